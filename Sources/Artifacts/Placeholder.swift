// Artifacts
