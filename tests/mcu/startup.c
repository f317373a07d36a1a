/* Reset code for the emulated Cortex-M4F: copy .data, zero .bss, enable the FPU, run static
 * constructors, call main and report its result to the host through semihosting. */
#include <stdint.h>

#include "semihosting.h"

extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[];
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);
extern uint32_t __stack_top[];

int main(void);
void reset_handler(void);

static void fault_handler(void) { semihosting_exit(1); }

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))__stack_top,
    reset_handler,
    fault_handler,
    fault_handler,
    fault_handler,
    fault_handler,
    fault_handler};

void reset_handler(void) {
  for (uint32_t *src = __data_load, *dst = __data_start; dst < __data_end;) *dst++ = *src++;
  for (uint32_t* dst = __bss_start; dst < __bss_end;) *dst++ = 0;
  /* CPACR: full access to coprocessors 10 and 11 (the FPU). */
  *(volatile uint32_t*)0xE000ED88u |= 0xFu << 20;
  __asm volatile("dsb\n\tisb" ::: "memory");
  for (void (**f)(void) = __init_array_start; f < __init_array_end; ++f) (*f)();
  semihosting_exit(main());
}
