// Declarations only: see include/cfuzz.h.
