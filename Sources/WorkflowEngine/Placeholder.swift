// WorkflowEngine
