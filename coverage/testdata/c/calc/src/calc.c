#include "calc.h"

int add(int a, int b) {
	return a + b;
}

int clamp(int v, int lo, int hi) {
	if (v < lo) {
		return lo;
	}
	if (v > hi) {
		return hi;
	}
	return v;
}

int never(int x) {
	int y = x * 2;
	return y + 1;
}
