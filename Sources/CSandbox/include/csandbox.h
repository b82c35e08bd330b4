#ifndef SKEIN_CSANDBOX_H
#define SKEIN_CSANDBOX_H
#include <sys/types.h>
int csandbox_placeholder(void);
#endif
