// LocalRunnerTests
