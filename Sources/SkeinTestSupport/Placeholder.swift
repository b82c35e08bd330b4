// SkeinTestSupport
