// ArtifactsTests
