// mtc — command-line driver (skeleton).
#include <cstdio>
int main() { std::puts("mtc"); return 0; }
