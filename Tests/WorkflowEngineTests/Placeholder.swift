// WorkflowEngineTests
