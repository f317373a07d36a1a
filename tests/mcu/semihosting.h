/* ARM semihosting calls (QEMU: -semihosting-config enable=on,target=native). */
#ifndef AIOTOPS_TESTS_MCU_SEMIHOSTING_H_
#define AIOTOPS_TESTS_MCU_SEMIHOSTING_H_

#ifdef __cplusplus
extern "C" {
#endif

/* Writes a NUL-terminated string to the host's console (SYS_WRITE0). */
void semihosting_write(const char* text);
/* Ends the emulation: QEMU exits 0 when `code` is 0, else 1 (SYS_EXIT). Does not return. */
__attribute__((noreturn)) void semihosting_exit(int code);

#ifdef __cplusplus
}
#endif

#endif
