// SkeinCommandsTests
