#include <pthread.h>
#include <stdio.h>

#define THREADS 4
#define N 1000000L

struct job {
	long from, to; /* half-open range [from, to) */
	long sum;      /* written by the thread, read after join */
};

static void *sum_range(void *arg)
{
	struct job *job = arg;
	for (long i = job->from; i < job->to; i++)
		job->sum += i;
	return NULL;
}

int main(void)
{
	pthread_t tid[THREADS];
	struct job jobs[THREADS];
	long total = 0;

	for (int i = 0; i < THREADS; i++) {
		jobs[i] = (struct job){ .from = i * N / THREADS,
					.to = (i + 1) * N / THREADS };
		if (pthread_create(&tid[i], NULL, sum_range, &jobs[i]) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			return 1;
		}
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(tid[i], NULL); /* after this, jobs[i] is safe to read */
		printf("thread %d summed [%ld, %ld): %ld\n", i, jobs[i].from,
		       jobs[i].to, jobs[i].sum);
		total += jobs[i].sum;
	}
	printf("total %ld, expected %ld\n", total, N * (N - 1) / 2);
	return 0;
}
