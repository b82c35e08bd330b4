// WorkflowExpressionsTests
