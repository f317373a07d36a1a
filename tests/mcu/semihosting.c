#include "semihosting.h"

enum { kSysWrite0 = 0x04, kSysExit = 0x18 };
enum { kApplicationExit = 0x20026, kRunTimeErrorUnknown = 0x20023 };

static int semihosting_call(int operation, const void* argument) {
  register int r0 __asm__("r0") = operation;
  register const void* r1 __asm__("r1") = argument;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void semihosting_write(const char* text) { semihosting_call(kSysWrite0, text); }

void semihosting_exit(int code) {
  semihosting_call(kSysExit, (const void*)(code == 0 ? kApplicationExit : kRunTimeErrorUnknown));
  for (;;) {
  }
}
