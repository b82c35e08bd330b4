// LocalRunner
