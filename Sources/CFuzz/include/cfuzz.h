#ifndef SKEIN_CFUZZ_H
#define SKEIN_CFUZZ_H
#include <stddef.h>
#include <stdint.h>
// libFuzzer's driver, for a program with a main of its own (linked by -sanitize=fuzzer;
// only skein-fuzz built by scripts/fuzz.sh calls it).
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
#endif
