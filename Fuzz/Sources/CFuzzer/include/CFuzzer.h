#ifndef FLOTILLA_CFUZZER_H
#define FLOTILLA_CFUZZER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's entry point for a program with a main of its own (libclang_rt.fuzzer): parses libFuzzer's flags
/// from argv and runs `callback` on every input.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
