// SkeinCommands
