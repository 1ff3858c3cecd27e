/* Four threads each sum a quarter of 1..1000000; pthread_join waits for
 * all of them before the parts are added. */
#include <pthread.h>
#include <stdio.h>

#define N 1000000LL
#define PARTS 4

static long long partial[PARTS];

static void *work(void *arg)
{
	long long i = (long long)(size_t)arg;
	long long lo = i * N / PARTS + 1, hi = (i + 1) * N / PARTS;
	for (long long k = lo; k <= hi; k++)
		partial[i] += k;
	return NULL;
}

int main(void)
{
	pthread_t t[PARTS];
	for (size_t i = 0; i < PARTS; i++)
		pthread_create(&t[i], NULL, work, (void *)i);
	for (size_t i = 0; i < PARTS; i++)
		pthread_join(t[i], NULL);
	long long total = 0;
	for (size_t i = 0; i < PARTS; i++)
		total += partial[i];
	printf("%lld %s\n", total, total == N * (N + 1) / 2 ? "True" : "False");
	return 0;
}
