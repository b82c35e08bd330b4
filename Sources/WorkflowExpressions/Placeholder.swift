// WorkflowExpressions
