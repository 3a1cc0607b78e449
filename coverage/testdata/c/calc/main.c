#include <stdio.h>
#include "src/calc.h"

int main(void) {
	printf("%d\n", add(1, 2));
	printf("%d\n", clamp(5, 0, 3));
	return 0;
}
