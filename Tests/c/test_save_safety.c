/*
 * test_save_safety.c - seqnn_model_save never loses the file at its path and never leaks (issue 15, item 4).
 *
 *   kill loop     a child saves model B over a path that holds model A and is killed with SIGKILL at a
 *                 random moment; the path must then load as A or as B, whole, every time (.h5 and .keras).
 *                 The temporary files the killed saves leave behind are counted, and the next save in the
 *                 folder must remove them all.
 *   full disk     in a child with RLIMIT_FSIZE below the model's size (SIGXFSZ ignored, so writes fail with
 *                 EFBIG as on a full disk): every save fails with SEQNN_IO_ERROR, the old file still loads
 *                 as before, no temporary file is left, the resident memory stays flat (the figure printed
 *                 is the growth per failed save), and the process exits cleanly (libhdf5's exit handler
 *                 once crashed after many failed saves).
 *   read-only     a folder the caller cannot write: SEQNN_IO_ERROR naming the folder, the old file intact.
 *                 As root the child drops to uid/gid 65534 first, since root writes anywhere.
 *
 * SEQNN_SAVE_KILLS sets the number of kills (default 24, split over .h5 and .keras; by hand:
 * SEQNN_SAVE_KILLS=400), SEQNN_FAILED_SAVES the number of failed saves (default 200). Under valgrind
 * (run.sh sets SEQNN_TEST_ITERS there) the defaults are 6 and 20 and the RSS bound is not applied (valgrind's
 * own heap), its leak check judges instead. Figures are printed as "figure:" lines. Files go to a fresh
 * folder under $TMPDIR (default /tmp) and are removed.
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static char dir[256];

/* run.sh sets SEQNN_TEST_ITERS only for the valgrind pass */
static int under_valgrind(void) { return getenv("SEQNN_TEST_ITERS") != NULL; }

static int env_int(const char *name, int fallback) {
    const char *v = getenv(name);
    return v && atoi(v) > 0 ? atoi(v) : fallback;
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A model of about 1.3 MB (256 -> 512 -> 384 -> 10), so a save takes long enough for kills to land inside it. */
static seqnn_model *big_model(uint64_t seed) {
    seqnn_model *m = seqnn_model_create(seed);
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 512, \"activation\": \"relu\", \"input_dim\": 256}"));
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 384, \"activation\": \"relu\"}"));
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 10, \"activation\": \"softmax\"}"));
    CHECK_OK(seqnn_model_compile(m, "adam", "categorical_crossentropy", NULL));
    return m;
}

/* The first 64 values of layer 0's kernel identify which model a file holds. */
enum { PROBE = 64 };
static void probe(const seqnn_model *m, float *out) {
    static float buf[256 * 512];
    size_t len = 0;
    seqnn_model_get_weight(m, 0, 0, buf, 256 * 512, &len);
    memcpy(out, buf, PROBE * sizeof(float));
}

/* 'A', 'B', or 0 when the file does not load or holds something else. */
static int which_model(const char *path, const float *a, const float *b) {
    seqnn_model *l = NULL;
    if (seqnn_model_load(path, 0, &l) != SEQNN_OK) return 0;
    float p[PROBE];
    probe(l, p);
    seqnn_model_free(l);
    if (memcmp(p, a, sizeof p) == 0) return 'A';
    if (memcmp(p, b, sizeof p) == 0) return 'B';
    return 0;
}

static int copy_file(const char *from, const char *to) {
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    int ok = in && out;
    char buf[1 << 16];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0) ok = fwrite(buf, 1, n, out) == n;
    if (in) fclose(in);
    if (out && fclose(out) != 0) ok = 0;
    return ok;
}

/* Files in `dir` whose names contain ".seqnn-tmp-". */
static int count_temporaries(void) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) n += strstr(e->d_name, ".seqnn-tmp-") != NULL;
    if (d) closedir(d);
    return n;
}

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void kill_loop(const char *ext, int kills, seqnn_model *a, seqnn_model *b, const float *pa, const float *pb) {
    char target[512], ref[512];
    snprintf(target, sizeof target, "%s/target%s", dir, ext);
    snprintf(ref, sizeof ref, "%s/reference-a%s", dir, ext);
    CHECK_OK(seqnn_model_save(a, ref, NULL));
    /* how long one save takes, so the kills spread over all of it */
    double t0 = now_seconds();
    CHECK_OK(seqnn_model_save(b, target, NULL));
    double save_time = now_seconds() - t0;
    int old_ = 0, new_ = 0, broken = 0, leaving = 0;
    for (int i = 0; i < kills; i++) {
        char staged[600];
        snprintf(staged, sizeof staged, "%s.staged", target);
        CHECK(copy_file(ref, staged) && rename(staged, target) == 0);
        pid_t pid = fork();
        if (pid == 0) {
            seqnn_model_save(b, target, NULL);
            _exit(0);
        }
        /* from before the child has started to well after a save would have finished */
        usleep((useconds_t)(t_uniform() * save_time * 2e6));
        kill(pid, SIGKILL);
        int st = 0;
        waitpid(pid, &st, 0);
        leaving += count_temporaries() > 0;   /* this kill left one (the next save, another child's, removes it) */
        int w = which_model(target, pa, pb);
        if (w == 'A') old_++;
        else if (w == 'B') new_++;
        else {
            broken++;
            CHECKF(0, "kill %d (%s): the path holds neither the old nor the new model: %s", i, ext, seqnn_last_error());
        }
    }
    int left = count_temporaries();
    CHECK_OK(seqnn_model_save(b, target, NULL));   /* a later save in the folder cleans up after the killed ones */
    int after = count_temporaries();
    CHECKF(after == 0, "%d temporary file(s) left after the next save (%s)", after, ext);
    printf("figure: kill loop %s: %d kills during saves of %.1f ms: old model %d, new model %d, broken %d; "
           "kills that left a temporary file %d, temporary files in the folder after the loop %d, after the next save %d\n",
           ext, kills, save_time * 1e3, old_, new_, broken, leaving, left, after);
    unlink(ref);
    unlink(target);
}

static void test_kill_during_save(void) {
    t_begin("kill -9 during save");
    int kills = env_int("SEQNN_SAVE_KILLS", under_valgrind() ? 6 : 24);
    seqnn_model *a = big_model(1), *b = big_model(2);
    float pa[PROBE], pb[PROBE];
    probe(a, pa);
    probe(b, pb);
    CHECK(memcmp(pa, pb, sizeof pa) != 0);
    t_seed(15);
    kill_loop(".h5", (kills + 1) / 2, a, b, pa, pb);
    kill_loop(".keras", kills / 2, a, b, pa, pb);
    seqnn_model_free(a);
    seqnn_model_free(b);
}

/* In a child: `count` saves that fail as on a full disk. Exits 0 when every check held, 1 otherwise; prints the figure. */
static int failed_saves_child(const char *ext, int count) {
    char target[512];
    snprintf(target, sizeof target, "%s/full%s", dir, ext);
    seqnn_model *m = big_model(3);
    if (seqnn_model_save(m, target, NULL) != SEQNN_OK) return 10;
    float before[PROBE], p[PROBE];
    probe(m, before);
    struct rlimit lim = {64 << 10, 64 << 10};   /* 64 KB: far below the model's 1.3 MB */
    signal(SIGXFSZ, SIG_IGN);
    if (setrlimit(RLIMIT_FSIZE, &lim) != 0) return 11;
    long rss_warm = 0;
    int warm = count < 20 ? count / 2 : 10;
    for (int i = 0; i < count; i++) {
        if (i == warm) rss_warm = rss_kb();
        int rc = seqnn_model_save(m, target, NULL);
        if (rc != SEQNN_IO_ERROR) {
            fprintf(stderr, "failed save %d returned %d: %s\n", i, rc, seqnn_last_error());
            return 12;
        }
        if (i == 0 && !contains(seqnn_last_error(), target)) {
            fprintf(stderr, "the message does not name the file: %s\n", seqnn_last_error());
            return 13;
        }
    }
    long rss_end = rss_kb();
    seqnn_model *l = NULL;
    if (seqnn_model_load(target, 0, &l) != SEQNN_OK) return 14;
    probe(l, p);
    seqnn_model_free(l);
    if (memcmp(before, p, sizeof p) != 0) return 15;
    int left = count_temporaries();
    double per_save = count > warm ? (double)(rss_end - rss_warm) / (count - warm) : 0;
    printf("figure: %d failed saves (%s, RLIMIT_FSIZE 64 KB): status SEQNN_IO_ERROR each, RSS %ld -> %ld KB "
           "(%.1f KB per failed save), temporary files left %d\n",
           count, ext, rss_warm, rss_end, per_save, left);
    fflush(stdout);
    seqnn_model_free(m);
    if (left != 0) return 16;
    /* a leak of a few hundred KB per save (issue 15 saw 550 KB) would show here; allocator noise is far below */
    if (per_save > 64 && !under_valgrind()) return 17;
    return 0;   /* through exit(): atexit handlers (libhdf5's H5_term_library) run */
}

static void test_failed_saves(void) {
    t_begin("saves on a full disk");
    const char *exts[] = {".h5", ".keras"};
    for (int k = 0; k < 2; k++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) exit(failed_saves_child(exts[k], env_int("SEQNN_FAILED_SAVES", under_valgrind() ? 20 : 200)));
        int st = 0;
        waitpid(pid, &st, 0);
        CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: the child %s %d", exts[k],
               WIFSIGNALED(st) ? "died of signal" : "exited with", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    }
}

static int read_only_child(void) {
    char sub[300], target[400];
    snprintf(sub, sizeof sub, "%s/ro", dir);
    snprintf(target, sizeof target, "%s/model.h5", sub);
    seqnn_model *m = big_model(4);
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) return 20;
    int rc = seqnn_model_save(m, target, NULL);
    if (rc != SEQNN_IO_ERROR || !contains(seqnn_last_error(), sub)) {
        fprintf(stderr, "save into a read-only folder -> %d: %s\n", rc, seqnn_last_error());
        return 21;
    }
    seqnn_model *l = NULL;
    if (seqnn_model_load(target, 0, &l) != SEQNN_OK) return 22;
    float p[PROBE], q[PROBE];
    probe(l, p);
    probe(m, q);
    seqnn_model_free(l);
    seqnn_model_free(m);
    return memcmp(p, q, sizeof p) == 0 ? 23 : 0;   /* the old file (another model) is still there */
}

static void test_read_only_folder(void) {
    t_begin("read-only folder");
    char sub[300], target[400];
    snprintf(sub, sizeof sub, "%s/ro", dir);
    snprintf(target, sizeof target, "%s/model.h5", sub);
    CHECK(mkdir(sub, 0755) == 0);
    seqnn_model *old = big_model(5);
    CHECK_OK(seqnn_model_save(old, target, NULL));
    seqnn_model_free(old);
    CHECK(chmod(target, 0644) == 0 && chmod(sub, 0555) == 0 && chmod(dir, 0755) == 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) exit(read_only_child());
    int st = 0;
    waitpid(pid, &st, 0);
    CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child %s %d", WIFSIGNALED(st) ? "died of signal" : "exited with",
           WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    chmod(sub, 0755);
    unlink(target);
    rmdir(sub);
}

static void setup(void) {
    snprintf(dir, sizeof dir, "%s/seqnn-test-save-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    CHECKF(mkdtemp(dir) != NULL, "mkdtemp failed");
}

static void teardown(void) {
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[600];
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d) closedir(d);
    rmdir(dir);
}

static const t_test tests[] = {setup, test_kill_during_save, test_failed_saves, test_read_only_folder, teardown};

int main(int argc, char **argv) { return t_run("test_save_safety", argc, argv, tests, T_COUNT(tests)); }
