// WorkflowModelTests
