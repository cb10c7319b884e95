/*
 * seqnn.h - the C interface of SeqNN: Keras-style Sequential neural networks without Python.
 *
 * The header is the manual. Conventions that hold for every function unless its comment says otherwise:
 *
 *  - Status. Fallible functions return an int from `seqnn_status`; SEQNN_OK (0) is success. On failure the
 *    message (what was expected, what was found, where) is available from seqnn_model_last_error() on the
 *    model handle and from seqnn_last_error() on the calling thread. Nothing is printed, ever: progress
 *    text goes only to the log callback you pass to seqnn_model_fit.
 *  - Pointers. Every pointer argument must be non-NULL unless its comment says "may be NULL"; a NULL
 *    returns SEQNN_INVALID_ARGUMENT (never a crash). Strings are NUL-terminated UTF-8.
 *  - Arrays. Data is float32, row-major, batch first (numpy's C order): x holds samples * input_size floats.
 *    Lengths are counts of floats (not bytes). Input arrays are only read during the call; the library
 *    keeps no pointer to them after it returns (no copies are made where a pointer will do).
 *  - Outputs go into caller-provided buffers with their capacity. When a buffer is too small the function
 *    returns SEQNN_BUFFER_TOO_SMALL and, where it has a `*_len` (`*count`, `*ndim`) out-parameter, stores
 *    the size needed there. An output buffer may be NULL when its capacity is 0: that asks for the size
 *    (SEQNN_BUFFER_TOO_SMALL with the size stored). NULL with a capacity > 0 is SEQNN_INVALID_ARGUMENT.
 *  - Ownership. Handles come from a create/load function and are released by the matching free function;
 *    free(NULL) is a no-op. `const char *` results are owned by the library and say how long they live.
 *    Undefined behaviour (not detected; may crash or corrupt memory): using a handle after it was freed,
 *    freeing it twice, freeing a model while another thread is still in a call on it or may still call
 *    it, passing a pointer that is not NULL and not from this library as a handle, a buffer shorter than
 *    its stated capacity or length, and an options struct not filled by its *_init function first.
 *  - Threads. A model may be used from any thread; different models are independent. Calls on one model:
 *    - Readers (predict, predict_ex, predict_source, save, get_weight, the shape, size, name and summary
 *      queries, reset_states, set_learning_rate) run concurrently with each other. On a model with
 *      stateful layers, predicts that overlap fail with SEQNN_BUSY rather than mix two streams.
 *    - seqnn_model_set_weight is a short write (as is load_weights setting all its weights at once, after
 *      it has read the file): a reader that starts while another thread writes weights waits for that copy
 *      to finish (microseconds to milliseconds) and never fails because of it; a reader running between
 *      two set_weight calls sees the weights set so far. The write itself fails with SEQNN_BUSY while any
 *      other call on the model runs.
 *    - The other functions marked "exclusive" (add, pop, set_input, compile, add_metric, adapt_layer, fit,
 *      fit_source, evaluate*, train_on_batch) are long writes: they fail with SEQNN_BUSY if
 *      any other call on the model is running, and any call that starts while one runs on another thread
 *      fails with SEQNN_BUSY, instead of waiting or corrupting the model. These are the only SEQNN_BUSY
 *      cases: retrying later succeeds.
 *    From inside a fit callback (on the fitting thread) the model may be read - predict, save, get weights,
 *    summary - as Keras callbacks such as ModelCheckpoint do; changing it there fails with SEQNN_BUSY.
 *  - Floating point. fit, evaluate, train_on_batch and predict run with flush-to-zero and
 *    denormals-are-zero set on the calling thread (as TensorFlow does: denormal values slow x86 arithmetic
 *    ~100x) and restore the caller's setting before returning; callbacks run in that mode.
 *  - Versions. Only ever appended to: SEQNN_ABI_VERSION grows when functions or struct fields are added.
 *    Option structs start with `struct_size`; fill them with their *_init function first.
 */
#ifndef SEQNN_H
#define SEQNN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SEQNN_ABI_VERSION 3   /* 2: seqnn_layer_class_names, seqnn_backend, seqnn_model_adapt_layer;
                                 3: batch hooks and batch sources (seqnn_model_fit_source, ..._evaluate_source,
                                 ..._predict_source, seqnn_model_evaluate_ex, ..._predict_ex), learning-rate
                                 schedules, .keras and .weights.h5 files */

/* ---------------------------------------------------------------------------------------------------- */
/* Status codes and library facts                                                                       */
/* ---------------------------------------------------------------------------------------------------- */

typedef enum seqnn_status {
    SEQNN_OK = 0,
    SEQNN_INVALID_ARGUMENT = 1, /* NULL pointer, bad value, unknown name (activation, loss, optimizer, ...) */
    SEQNN_SHAPE_MISMATCH = 2,   /* sizes that do not agree with the model */
    SEQNN_UNSUPPORTED = 3,      /* a Keras feature SeqNN does not implement */
    SEQNN_FORMAT_ERROR = 4,     /* malformed JSON config or model file */
    SEQNN_IO_ERROR = 5,         /* the file system refused */
    SEQNN_NOT_COMPILED = 6,     /* fit/evaluate/train before compile */
    SEQNN_OUT_OF_MEMORY = 7,
    SEQNN_CALLBACK_STOPPED = 8, /* a callback (custom metric) reported failure; training stopped */
    SEQNN_BUSY = 9,             /* another call is using the model; mutations need exclusive access */
    SEQNN_NOT_BUILT = 10,       /* the model's input shape is unknown */
    SEQNN_NUMERIC_ERROR = 11,   /* NaN or Inf in the data or weights */
    SEQNN_BUFFER_TOO_SMALL = 12,/* an output buffer is too small; the size needed is reported */
    SEQNN_INTERNAL_ERROR = 13   /* a bug in SeqNN; the message says where */
} seqnn_status;

/* The library version, semver ("0.1.0"). Static string. Thread-safe. */
const char *seqnn_version(void);

/* SEQNN_ABI_VERSION of the library actually loaded; compare it with the header's. Thread-safe. */
int seqnn_abi_version(void);

/* A short static description of a status code ("invalid argument"); "unknown status" for others. */
const char *seqnn_status_string(int status);

/* The message of the last failed call made on this thread ("" if none). Owned by the library, valid until
 * this thread's next failing seqnn call. Per thread, so it is the one to read when threads share a model,
 * and the only one after a failed seqnn_model_create. */
const char *seqnn_last_error(void);

/* The Keras layer class names seqnn_model_add accepts (aliases such as "MaxPool2D" included), sorted and
 * separated by '\n' (no trailing newline), written into `buf` (capacity `cap` bytes, NUL included); *len
 * (may be NULL) receives the length needed without the NUL. SEQNN_BUFFER_TOO_SMALL if it does not fit;
 * `buf` may be NULL when `cap` is 0, to ask for the size (NULL with cap > 0 is SEQNN_INVALID_ARGUMENT).
 * The list is fixed for the life of the library. Thread-safe. (ABI version 2.) */
int seqnn_layer_class_names(char *buf, size_t cap, size_t *len);

/* Sets the number of threads for matrix products (process-wide). The default is 1 (best for small batches
 * and on busy machines), unless OPENBLAS_NUM_THREADS, GOTO_NUM_THREADS or OMP_NUM_THREADS is set when SeqNN
 * first needs its matrix products. On CPUs with AVX-512, products run on SeqNN's own kernels; with n > 1 a
 * large product (from ~1M multiply-adds, or a single row from ~128K) is split by output columns over a pool
 * of n - 1 threads started on first use (they sleep when idle; results do not depend on n). Elsewhere the
 * products run on OpenBLAS with n threads. n must be >= 1. Call it before training, not during. */
int seqnn_set_num_threads(int n);

/* OpenBLAS's kernel family in use, e.g. "SkylakeX", "Haswell" (static string), or "reference" when
 * libopenblas could not be loaded (products then run on a plain loop: correct, slow). SeqNN loads OpenBLAS
 * on first use; unless OPENBLAS_CORETYPE is set, it picks the kernels from its backend (seqnn_backend():
 * avx512 -> "SkylakeX", avx2 -> "Haswell", portable forced on a larger CPU -> "Prescott"), because Debian 12's
 * OpenBLAS 0.3.21 falls back to ~4x slower SSE3 kernels ("Prescott") on CPUs it does not recognise. A process that loaded OpenBLAS itself keeps that copy's choice. */
const char *seqnn_blas_core(void);

/* The instruction-set backend every SeqNN kernel runs on (matrix products, convolution, pooling, optimizer
 * updates, recurrent steps, data checks): "avx512", "avx2" (AVX2 + FMA) or "portable" (baseline code; any
 * CPU). Static string. Decided once per process, on first use, from the CPU and the environment variable
 * SEQNN_BACKEND=avx512|avx2|portable, which can only lower it: a request for a backend the CPU lacks runs
 * the best one it has, and this returns what actually runs. On the AVX-512 backend products run on SeqNN's
 * own kernels unless SEQNN_GEMM=openblas; on the others on OpenBLAS (see seqnn_blas_core). Thread-safe;
 * does not load OpenBLAS. */
const char *seqnn_backend(void);

/* ---------------------------------------------------------------------------------------------------- */
/* Models                                                                                               */
/* ---------------------------------------------------------------------------------------------------- */

typedef struct seqnn_model seqnn_model;
typedef struct seqnn_history seqnn_history;

/* Creates an empty Sequential model whose random generator (initial weights, shuffling, dropout) is seeded
 * with `seed`: same seed, same calls, same data -> bit-identical weights. Returns NULL only when out of
 * memory (see seqnn_last_error). Free with seqnn_model_free. */
seqnn_model *seqnn_model_create(uint64_t seed);

/* Releases the model and everything it owns. NULL is a no-op. No other call on the model may be running
 * or start afterwards (use after free and double free are undefined behaviour; see Ownership above). */
void seqnn_model_free(seqnn_model *model);

/* The message of the last failed call on this model ("" if none; "" for a NULL model). Owned by the model,
 * valid until the model is freed or 16 more calls on it have failed. */
const char *seqnn_model_last_error(const seqnn_model *model);

/* Sets the input shape of one sample (Keras's input_shape), `ndim` sizes, all > 0; `batch_size` > 0 fixes
 * the batch dimension (Keras's batch_size=, giving batch input shape (batch_size, *shape)), 0 leaves it
 * free. Layers added so far are built. Fails with SEQNN_SHAPE_MISMATCH if layers are already built for
 * another shape. Exclusive. */
int seqnn_model_set_input(seqnn_model *model, const int64_t *shape, size_t ndim, int64_t batch_size);

/* Appends a layer given its Keras class name and its Keras config as a JSON object (may be NULL for "{}"),
 * e.g. ("Dense", "{\"units\": 32, \"activation\": \"relu\", \"input_shape\": [784]}").
 * Classes: Dense, Activation, ReLU, LeakyReLU, PReLU, ELU, Softmax, ThresholdedReLU, Rescaling,
 * Normalization (see seqnn_model_adapt_layer), Dropout, Flatten, Reshape, InputLayer, BatchNormalization,
 * LayerNormalization, RepeatVector, Permute, Conv1D, Conv2D, MaxPooling1D/2D, AveragePooling1D/2D,
 * GlobalMaxPooling1D/2D, GlobalAveragePooling1D/2D, ZeroPadding1D/2D, UpSampling1D/2D, Cropping1D/2D,
 * Embedding (mask_zero), Masking, SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed (channels_last); Keras masks
 * reach the layers Keras passes them to (README, "What is supported"); seqnn_layer_class_names
 * lists them all. The config accepts Keras's argument names and defaults; input_shape / input_dim /
 * input_length / batch_size / batch_input_shape on the first layer set the model's input. Unknown classes,
 * activations or bad values fail and leave the model unchanged. Adding or popping a layer un-compiles the
 * model (compile again). Exclusive. */
int seqnn_model_add(seqnn_model *model, const char *class_name, const char *config_json);

/* Appends Dense(units, activation) with Keras's defaults (glorot_uniform kernel, zero bias).
 * `activation` may be NULL for linear. Exclusive. */
int seqnn_model_add_dense(seqnn_model *model, int64_t units, const char *activation);

/* Appends Activation(activation). Exclusive. */
int seqnn_model_add_activation(seqnn_model *model, const char *activation);

/* Appends Dropout(rate), 0 <= rate < 1; active only in training. Exclusive. */
int seqnn_model_add_dropout(seqnn_model *model, float rate);

/* Removes the last layer (Keras's model.pop()). Exclusive. */
int seqnn_model_pop(seqnn_model *model);

/* The number of layers (the InputLayer is not counted, as in Keras's model.layers). 0 for NULL. */
size_t seqnn_model_layer_count(const seqnn_model *model);

/* Layer `index`'s name and Keras class name. Owned by the model; valid until that layer is popped or
 * the model freed. NULL for a bad index or model. */
const char *seqnn_model_layer_name(const seqnn_model *model, size_t index);
const char *seqnn_model_layer_class(const seqnn_model *model, size_t index);

/* Floats per sample going in and coming out of the model; fails with SEQNN_NOT_BUILT while the input
 * shape is unknown. */
int seqnn_model_input_size(const seqnn_model *model, size_t *size);
int seqnn_model_output_size(const seqnn_model *model, size_t *size);

/* The model's batch input shape: `shape` (capacity `cap` entries) receives the per-sample input shape and
 * *ndim its rank; *batch_size (may be NULL) receives the fixed batch size, or 0 when it is free.
 * SEQNN_NOT_BUILT while the input shape is unknown. */
int seqnn_model_input_shape(const seqnn_model *model, int64_t *shape, size_t cap, size_t *ndim, int64_t *batch_size);

/* The per-sample output shape of layer `layer` (Keras's "Output Shape" without the batch dimension). */
int seqnn_model_layer_output_shape(const seqnn_model *model, size_t layer, int64_t *shape, size_t cap, size_t *ndim);

/* 1 when the model is compiled, 0 when not or for NULL. */
int seqnn_model_is_compiled(const seqnn_model *model);

/* The total number of weights (Keras's "Total params") and of trainable ones. */
int seqnn_model_count_params(const seqnn_model *model, size_t *total, size_t *trainable);

/* Writes Keras's model.summary() table into `buf` (capacity `cap` bytes, NUL included); *len (may be NULL)
 * receives the length needed without the NUL. SEQNN_BUFFER_TOO_SMALL if it does not fit. */
int seqnn_model_summary(const seqnn_model *model, char *buf, size_t cap, size_t *len);

/* ---------------------------------------------------------------------------------------------------- */
/* Weights                                                                                              */
/* ---------------------------------------------------------------------------------------------------- */

/* The number of weight tensors of layer `layer` (Dense: 2, kernel and bias; or 1 without bias). */
int seqnn_model_weight_count(const seqnn_model *model, size_t layer, size_t *count);

/* The shape of a weight tensor in Keras's layout (Dense kernel: [input_dim, units]); `shape` holds `cap`
 * entries and *ndim receives the rank. */
int seqnn_model_weight_shape(const seqnn_model *model, size_t layer, size_t index,
                             int64_t *shape, size_t cap, size_t *ndim);

/* Copies a weight tensor out (row-major, Keras order) into `out` (capacity `cap` floats); *len (may be
 * NULL) receives the number of floats. */
int seqnn_model_get_weight(const seqnn_model *model, size_t layer, size_t index,
                           float *out, size_t cap, size_t *len);

/* Sets a weight tensor from exactly `len` floats; fails on a size mismatch (SEQNN_SHAPE_MISMATCH) or
 * non-finite values (SEQNN_NUMERIC_ERROR), leaving the weight unchanged. Exclusive, but short: concurrent
 * predicts wait for it instead of failing (see Threads above). */
int seqnn_model_set_weight(seqnn_model *model, size_t layer, size_t index, const float *values, size_t len);

/* Keras's layer.adapt(data) (ABI 2): a preprocessing layer of a built model learns its state from `x_len`
 * floats, whole samples of that layer's input shape (for layer 0, the model's input). Normalization (without
 * mean and variance in its config) sets its weights mean and variance (population, per feature) and count.
 * SEQNN_UNSUPPORTED for a layer without such state, SEQNN_SHAPE_MISMATCH for a partial sample,
 * SEQNN_NUMERIC_ERROR for NaN/Inf (the layer is then unchanged). Call it before compile/fit, as in Keras.
 * Exclusive. */
int seqnn_model_adapt_layer(seqnn_model *model, size_t layer, const float *x, size_t x_len);

/* ---------------------------------------------------------------------------------------------------- */
/* Compile                                                                                              */
/* ---------------------------------------------------------------------------------------------------- */

/* A custom metric: receives one batch, y_true (batch * true_dim floats) and y_pred (batch * pred_dim),
 * and stores its value in *result. Return 0 on success; non-zero stops training (fit returns
 * SEQNN_CALLBACK_STOPPED). Called on the thread that called fit/evaluate. Keras averages a metric that
 * returns one value per batch over the batches of an epoch; so does SeqNN. */
typedef int (*seqnn_metric_fn)(void *user_data, const float *y_true, const float *y_pred,
                               int64_t batch, int64_t pred_dim, int64_t true_dim, double *result);

/* Registers a custom metric under `name` (stored in saved files and used as the History key, e.g.
 * "mean_pred"). compile's metric list places it where its name appears, otherwise after the listed
 * metrics. `user_data` (may be NULL) is passed back to `fn`; it must stay valid while the model may call
 * fn (until the model is freed). Exclusive. */
int seqnn_model_add_metric(seqnn_model *model, const char *name, seqnn_metric_fn fn, void *user_data);

/* Keras's compile(optimizer, loss, metrics).
 *  optimizer: a name with Keras 3 defaults ("rmsprop", "sgd", "adam", "adamw", "adagrad", "adadelta",
 *             "adamax", "nadam") or a Keras config object as JSON, e.g.
 *             {"class_name": "RMSprop", "config": {"learning_rate": 0.01, "rho": 0.9, "clipnorm": 1.0}}.
 *             NULL means "rmsprop". "learning_rate" may be a Keras learning-rate schedule in the form
 *             Keras writes it, {"class_name": "ExponentialDecay", "config": {"initial_learning_rate": 0.1,
 *             "decay_steps": 1000, "decay_rate": 0.96}} (also InverseTimeDecay, PiecewiseConstantDecay,
 *             PolynomialDecay, CosineDecay, CosineDecayRestarts); an unknown class is SEQNN_UNSUPPORTED.
 *  loss:      a Keras loss name or alias ("categorical_crossentropy", "mse", ...) or a config object,
 *             e.g. {"class_name": "CategoricalCrossentropy", "config": {"from_logits": true}}.
 *  metrics:   may be NULL; a comma-separated list ("accuracy,mae") or a JSON array
 *             (["accuracy", {"class_name": "TopKCategoricalAccuracy", "config": {"k": 2}}]).
 *             "accuracy"/"acc" resolves to binary, categorical or sparse-categorical accuracy from the loss
 *             and shapes, as in Keras.
 * The input shape must be known (SEQNN_NOT_BUILT names the first layer otherwise). Exclusive. */
int seqnn_model_compile(seqnn_model *model, const char *optimizer, const char *loss, const char *metrics);

/* The names evaluate and train_on_batch report, in order: index 0 is "loss", then each metric.
 * *count receives the number of names. Owned by the model, valid until the next compile, add_metric,
 * add or pop. Requires a compiled model. */
int seqnn_model_metric_count(const seqnn_model *model, size_t *count);
const char *seqnn_model_metric_name(const seqnn_model *model, size_t index);

/* ---------------------------------------------------------------------------------------------------- */
/* Training and inference                                                                               */
/* ---------------------------------------------------------------------------------------------------- */

/* Receives progress text (Keras's progress bar; lines may start with '\r' to redraw in place). */
typedef void (*seqnn_log_fn)(void *user_data, const char *text);

/* Called after each epoch with its logs (names[i] = values[i]: loss, metrics, val_loss, val_metrics).
 * `epoch` counts from 0. Return non-zero to stop training after this epoch (like Keras's
 * model.stop_training = True; fit then returns SEQNN_OK). The arrays live only during the call. */
typedef int (*seqnn_epoch_fn)(void *user_data, int64_t epoch, const char *const *names,
                              const double *values, size_t count);

/* Keras's batch-level callbacks (ABI 3): on_train_batch_begin/end, on_test_batch_begin/end (evaluate, and
 * fit's validation), on_predict_batch_begin/end. Called on the calling thread before (`end` 0) and after
 * (`end` 1) each batch; `batch` counts the batches of the epoch (or of the evaluate/predict call) from 0.
 * At the end of a train or test batch names[i] = values[i] (count entries: "loss" and each metric, as
 * seqnn_model_metric_name) are the running values of the epoch so far, as Keras 3 passes them: the loss
 * averaged over the samples seen, each metric's result. At a begin, count is 0. At the end of a predict
 * batch, `outputs` holds the batch's predictions (outputs_len = rows * output_size floats), else it is
 * NULL. The arrays live only during the call. Return 0 to go on; > 0 to stop after this batch (fit: like
 * setting model.stop_training, the epoch still ends with validation and on_epoch_end, and fit returns
 * SEQNN_OK; evaluate/predict return what they have); < 0 for an error: the call stops and returns
 * SEQNN_CALLBACK_STOPPED. Without a hook nothing is done per batch. */
#define SEQNN_PHASE_TRAIN 0     /* the `phase` of a batch hook */
#define SEQNN_PHASE_TEST 1
#define SEQNN_PHASE_PREDICT 2
typedef int (*seqnn_batch_hook_fn)(void *user_data, int32_t phase, int32_t end, int64_t batch,
                                   const char *const *names, const double *values, size_t count,
                                   const float *outputs, size_t outputs_len);

/* A source of batches, for data that does not fit in memory (ABI 3): Keras's PyDataset/Sequence
 * (`indexable` 1) or a generator (`indexable` 0). The library owns the buffers and asks for one batch at a
 * time; next_batch writes it and stores its number of samples in *rows (1..max_rows), or 0 when there is no
 * more data:
 *   x              max_rows * input_size floats
 *   y              max_rows * y_width floats: y_width is the target floats per sample the compiled loss
 *                  expects (as fit's y: output_size, or one label per output row for sparse losses);
 *                  NULL (y_width 0) for predict
 *   sample_weight  max_rows floats when `sample_weights` is 1, else NULL
 * `batch_index`: for an indexable source the batch to fill, 0..steps-1 (fit with shuffle visits them in a
 * new order each epoch, from the model's generator, as Keras 3 shuffles a PyDataset's batch order); for a
 * stream, the number of batches of this pass filled so far (streams are never shuffled). Return 0, or
 * non-zero for an error (the call then returns SEQNN_CALLBACK_STOPPED naming the batch). A batch with more
 * than max_rows rows or NaN/Inf fails with a message naming the batch index.
 * The number of batches of a pass: `steps` when > 0 (an indexable source needs it: its length; for a stream
 * it is Keras's steps_per_epoch / validation_steps / steps, and the stream goes on across epochs), or, with
 * steps 0, until next_batch returns 0 rows (Keras 3's "until exhausted"). A pass that ends early ends the
 * epoch; fit stops when an epoch gets no batch at all; a source that never yields a batch is an error.
 * end_pass (may be NULL) is called after each pass (each epoch, each validation or evaluate/predict call):
 * Keras's PyDataset.on_epoch_end. Called on the calling thread; user_data is passed back. */
typedef int (*seqnn_batch_fn)(void *user_data, int64_t batch_index, float *x, float *y, size_t y_width,
                              float *sample_weight, int64_t *rows);

typedef struct seqnn_batch_source {
    size_t struct_size;          /* sizeof(seqnn_batch_source); set by seqnn_batch_source_init */
    seqnn_batch_fn next_batch;   /* required */
    void *user_data;
    int64_t steps;               /* 0: until next_batch reports 0 rows; > 0: batches per pass */
    int64_t max_rows;            /* 32: the most samples one batch holds (the buffers' capacity) */
    int32_t indexable;           /* 0: a stream (generator); 1: batch_index picks a batch (PyDataset) */
    int32_t sample_weights;      /* 0: no sample weights; 1: each batch fills sample_weight */
    void (*end_pass)(void *user_data);   /* NULL, or called after each pass */
} seqnn_batch_source;

/* Fills `source` with the defaults above (next_batch NULL). (ABI 3.) */
void seqnn_batch_source_init(seqnn_batch_source *source);

typedef struct seqnn_fit_options {
    size_t struct_size;          /* sizeof(seqnn_fit_options); set by seqnn_fit_options_init */
    int64_t epochs;              /* 1 */
    int64_t batch_size;          /* 0: the model's fixed batch size if it has one, else 32 */
    int32_t shuffle;             /* 1: shuffle the training samples every epoch */
    int32_t verbose;             /* 1: progress bar; 2: one line per epoch; 0: silent. Needs `log`. */
    double validation_split;     /* 0: fraction of samples taken from the END (before shuffling) for validation */
    const float *validation_x;   /* NULL, or validation data; overrides validation_split */
    size_t validation_x_len;
    const float *validation_y;
    size_t validation_y_len;
    int64_t initial_epoch;       /* 0: the epoch to start at (resuming) */
    const float *sample_weight;  /* NULL, or one weight per sample */
    size_t sample_weight_len;
    const float *class_weight;   /* NULL, or one weight per class index (class_weight_len classes) */
    size_t class_weight_len;
    seqnn_log_fn log;            /* NULL: no progress text at all */
    void *log_user_data;
    seqnn_epoch_fn on_epoch_end; /* NULL, or called after each epoch */
    void *epoch_user_data;
    /* ABI 3 (read only when struct_size covers them): */
    seqnn_batch_hook_fn on_batch;                 /* NULL, or called around each training and validation batch */
    void *batch_user_data;
    const seqnn_batch_source *validation_source;  /* NULL, or validation batches (when validation_x is NULL) */
} seqnn_fit_options;

/* Fills `options` with the defaults above. */
void seqnn_fit_options_init(seqnn_fit_options *options);

/* Keras's fit(x, y, ...). x holds x_len floats (samples * input_size), y holds y_len floats
 * (samples * output_size, or one class index per output row for sparse_categorical_crossentropy).
 * `options` may be NULL for the defaults. NaN/Inf in x or y -> SEQNN_NUMERIC_ERROR before any training.
 * On success and when `history` is not NULL, *history receives a new History (free it with
 * seqnn_history_free); on failure *history is set to NULL. Exclusive. */
int seqnn_model_fit(seqnn_model *model, const float *x, size_t x_len, const float *y, size_t y_len,
                    const seqnn_fit_options *options, seqnn_history **history);

/* Keras's fit on a batch source (ABI 3): as seqnn_model_fit, with the training batches from `source`
 * (epochs, shuffle, verbose, initial_epoch, validation, callbacks from `options`, which may be NULL;
 * batch_size sizes only validation_x batches; sample_weight, class_weight and validation_split must be
 * unset). With verbose, a source without steps shows the progress bar without a total. Exclusive. */
int seqnn_model_fit_source(seqnn_model *model, const seqnn_batch_source *source, const seqnn_fit_options *options,
                           seqnn_history **history);

/* Options of evaluate and predict (ABI 3). */
typedef struct seqnn_run_options {
    size_t struct_size;          /* sizeof(seqnn_run_options); set by seqnn_run_options_init */
    int64_t batch_size;          /* 0: the model's fixed batch size, else 32 (arrays only) */
    seqnn_batch_hook_fn on_batch;/* NULL, or called around each batch (test or predict phase) */
    void *batch_user_data;
} seqnn_run_options;

/* Fills `options` with the defaults above. (ABI 3.) */
void seqnn_run_options_init(seqnn_run_options *options);

/* seqnn_model_evaluate and seqnn_model_predict with options (ABI 3): the same contracts; `options` may be
 * NULL. A batch hook returning > 0 stops after that batch: evaluate then reports the batches seen, predict
 * leaves the rest of `out` unwritten. (Options rather than a per-model hook: predicts run concurrently, and
 * a hook belongs to one call, as in Keras's predict(callbacks=...).) */
int seqnn_model_evaluate_ex(seqnn_model *model, const float *x, size_t x_len, const float *y, size_t y_len,
                            const seqnn_run_options *options, double *results, size_t cap, size_t *count);
int seqnn_model_predict_ex(seqnn_model *model, const float *x, size_t x_len, const seqnn_run_options *options,
                           float *out, size_t cap, size_t *len);

/* evaluate and predict on a batch source (ABI 3). evaluate: results as seqnn_model_evaluate, the loss
 * weighted by each batch's samples and sample weights. predict: each batch's outputs go to the on_batch hook
 * (predict end) and, when `out` is not NULL, one after another into `out` (capacity `cap` floats; *len, may
 * be NULL, receives the floats written); a batch that does not fit fails with SEQNN_BUFFER_TOO_SMALL.
 * `out` may be NULL (cap 0) when the hook takes the outputs. evaluate is exclusive; predict runs beside
 * other predicts, as seqnn_model_predict. */
int seqnn_model_evaluate_source(seqnn_model *model, const seqnn_batch_source *source, const seqnn_run_options *options,
                                double *results, size_t cap, size_t *count);
int seqnn_model_predict_source(seqnn_model *model, const seqnn_batch_source *source, const seqnn_run_options *options,
                               float *out, size_t cap, size_t *len);

/* Keras's evaluate: results[0] is the loss, then each metric (see seqnn_model_metric_name). `results`
 * holds `cap` doubles; *count (may be NULL) receives the number written. batch_size 0 means 32.
 * Exclusive (it updates the model's metric state). */
int seqnn_model_evaluate(seqnn_model *model, const float *x, size_t x_len, const float *y, size_t y_len,
                         int64_t batch_size, double *results, size_t cap, size_t *count);

/* Keras's predict: writes samples * output_size floats into `out` (capacity `cap` floats); *len (may be
 * NULL) receives the number needed. batch_size 0 means the model's fixed batch size or 32. A built model
 * predicts without being compiled. Safe to call from several threads at once on one model; results do not
 * depend on other calls. Fails with SEQNN_BUSY only as Threads above says (a long write such as fit on
 * another thread, or an overlapping predict on a model with stateful layers). They are bit-identical for the same batch size; across batch sizes they agree to
 * float rounding (about 1e-7), because the matrix products are blocked by their sizes. NaN/Inf in x ->
 * SEQNN_NUMERIC_ERROR; for a model without stateful layers that may come after earlier batches were
 * written, so on any error the contents of `out` are unspecified. */
int seqnn_model_predict(seqnn_model *model, const float *x, size_t x_len, int64_t batch_size,
                        float *out, size_t cap, size_t *len);

/* Keras's model.reset_states(): every stateful recurrent layer (stateful=true, which needs a fixed batch
 * size) starts its next call from zeros. Stateful layers carry their state from one predict/fit call to
 * the next, so a C program can stream a sequence a step at a time; overlapping predict calls on a model
 * with stateful layers fail with SEQNN_BUSY rather than mix two streams. A no-op without stateful layers.
 * Allowed from a fit callback on the fitting thread. */
int seqnn_model_reset_states(seqnn_model *model);

/* Keras's train_on_batch: one optimizer step on exactly these samples; results as in evaluate, for this
 * batch, computed before the update (as Keras reports them). Exclusive. */
int seqnn_model_train_on_batch(seqnn_model *model, const float *x, size_t x_len, const float *y, size_t y_len,
                               double *results, size_t cap, size_t *count);

/* The compiled optimizer's current learning rate (Keras 3's `model.optimizer.learning_rate`): the rate the
 * next training step uses. With a learning-rate schedule (an object such as {"class_name":
 * "ExponentialDecay", "config": {...}} as the optimizer config's "learning_rate", in the form Keras writes
 * it) that is the schedule's value at the optimizer's iteration count. */
int seqnn_model_get_learning_rate(const seqnn_model *model, double *learning_rate);

/* The compiled optimizer's completed training steps (Keras's `model.optimizer.iterations`), restored from
 * files with optimizer state. (ABI 3.) */
int seqnn_model_get_iterations(const seqnn_model *model, int64_t *iterations);

/* Sets the compiled optimizer's learning rate (>= 0, finite in float32), keeping its state: what Keras
 * callbacks such as ReduceLROnPlateau do between epochs. SEQNN_INVALID_ARGUMENT when the optimizer follows
 * a learning-rate schedule (Keras: "its learning rate is not settable"). Allowed beside predict calls and
 * from a fit callback on the fitting thread; not concurrently with fit on another thread (SEQNN_BUSY). */
int seqnn_model_set_learning_rate(seqnn_model *model, double learning_rate);

/* The History of the model's last fit, or the one stored in the file the model was loaded from: on
 * success *history receives a new History (free it with seqnn_history_free); SEQNN_INVALID_ARGUMENT when
 * there is none. */
int seqnn_model_history(const seqnn_model *model, seqnn_history **history);

/* ---------------------------------------------------------------------------------------------------- */
/* History (what fit returns)                                                                           */
/* ---------------------------------------------------------------------------------------------------- */

/* Releases a History. NULL is a no-op. A History is independent of its model. */
void seqnn_history_free(seqnn_history *history);

/* The number of epochs recorded, and of keys ("loss", "accuracy", "val_loss", ...). 0 for NULL. */
size_t seqnn_history_epochs(const seqnn_history *history);
size_t seqnn_history_key_count(const seqnn_history *history);

/* Key `index` in Keras's order; owned by the History, valid until it is freed. NULL for a bad index. */
const char *seqnn_history_key(const seqnn_history *history, size_t index);

/* Copies the per-epoch values of `key` into `values` (capacity `cap`); *count (may be NULL) receives
 * the number of epochs. SEQNN_INVALID_ARGUMENT for an unknown key. */
int seqnn_history_get(const seqnn_history *history, const char *key, double *values, size_t cap, size_t *count);

/* ---------------------------------------------------------------------------------------------------- */
/* Model files (Keras .h5)                                                                              */
/* ---------------------------------------------------------------------------------------------------- */

typedef struct seqnn_save_options {
    size_t struct_size;               /* sizeof(seqnn_save_options); set by seqnn_save_options_init */
    int32_t include_optimizer;        /* 1: write training_config and optimizer state when compiled */
    int32_t keras2_optimizer_weights; /* 0: also write Keras 2's optimizer_weights group, so tf_keras resumes
                                         with the optimizer state; Keras 3 cannot train such a file */
    const float *test_x;              /* NULL, or samples whose current predictions are stored in the file
                                         (seqnn_test_batch) so the file can be verified later */
    size_t test_x_len;
} seqnn_save_options;

/* Fills `options` with the defaults above. */
void seqnn_save_options_init(seqnn_save_options *options);

/* Saves the model; the path's extension chooses the format, as in Keras 3:
 *  - ".keras": Keras 3's native zip archive (config.json, metadata.json, model.weights.h5), which Keras 3
 *    loads compiled, with the optimizer state in its own layout, and keeps training from where SeqNN
 *    stopped. keras2_optimizer_weights must be 0.
 *  - ".weights.h5": Keras 3's save_weights file (the layers' and, when compiled, the optimizer's variables).
 *  - anything else (".h5", ".hdf5"): the legacy .h5 file that Keras 2 (tf_keras 2.21) and Keras 3 (3.3-3.15)
 *    load, predict with and keep training.
 * Model files hold the architecture, weights, and when compiled the training config and optimizer state
 * (SeqNN restores it exactly, so training resumes bit for bit), plus the History of the last fit (where
 * Keras ignores it), and SeqNN's checksums, which every load verifies. The file is assembled in memory, written
 * under a temporary name in the same folder (`<path>.seqnn-tmp-<pid>-*`), synced and renamed over `path`: a
 * failed or killed save leaves any earlier file at `path` untouched, and a later save in the folder removes the
 * temporary files of killed saves. A full disk or a folder that cannot be written: SEQNN_IO_ERROR. Refused
 * before anything is written, so every saved file loads: NaN/Inf weights, optimizer state or config values
 * (SEQNN_NUMERIC_ERROR), names with '/' or control characters or over 64 KiB (SEQNN_INVALID_ARGUMENT).
 * `options` may be NULL.
 * The model must be built. Runs beside concurrent predicts; fails with SEQNN_BUSY during a mutation. */
int seqnn_model_save(seqnn_model *model, const char *path, const seqnn_save_options *options);

/* Loads a model from a Keras .h5 file written by Keras 2, Keras 3 or SeqNN, or a Keras 3 .keras archive
 * (told apart by their content). An archive is read in memory, never extracted; entries with absolute or
 * ".." names, duplicates, zip bombs, oversized or too deeply nested configs, and Lambda or custom classes
 * are refused with SEQNN_FORMAT_ERROR / SEQNN_UNSUPPORTED naming the file and the entry. On success *model receives a
 * new model (free it with seqnn_model_free); on failure *model is set to NULL and seqnn_last_error() says
 * what is wrong and where (missing or non-HDF5 file, truncated data, invalid JSON, unknown layers listed
 * with their index and name, weight shapes that do not match). A compiled file comes back compiled with its
 * optimizer state; custom metrics named in the file must be registered again with seqnn_model_add_metric
 * before fit. `seed` seeds the model's random generator (shuffling, dropout) for files written by Keras;
 * a file written by SeqNN carries its generator state, which is restored so a resumed fit continues exactly
 * as the uninterrupted one would have. A file SeqNN wrote (file format 2) is checked against its checksums
 * first: changed content is SEQNN_FORMAT_ERROR naming the attribute or dataset. Thread-safe.
 * Safety: any file may be given. libhdf5 (whose Debian 12 version 1.10.8 crashes or loops forever on
 * some damaged files) reads it in SeqNN's reader process `seqnn-reader`, which ships beside libseqnn.so,
 * under a time limit and an address-space limit; only a checked description of the file comes back. A
 * crash or hang there is SEQNN_FORMAT_ERROR naming the file, what was being read and that the file is
 * damaged or hostile; this process is never affected. Files that would read outside themselves (HDF5
 * external storage, external links, virtual datasets) are refused, and so are files whose declared sizes
 * pass the memory limit (SEQNN_OUT_OF_MEMORY, before anything is allocated); see seqnn_load_options.
 * Same as seqnn_model_load_ex with options NULL. */
int seqnn_model_load(const char *path, uint64_t seed, seqnn_model **model);

/* Loads only the weights of a model file (.h5, .keras, or a Keras 2 or 3 save_weights file) into this
 * built model, matching layers with weights by position as Keras does (Keras 3's layout: by the path its
 * class gives each layer). Every array is read and checked before any weight changes; the weights are then
 * set together as one short write (see Threads: concurrent predicts wait for it, never see half a file). */
int seqnn_model_load_weights(seqnn_model *model, const char *path);

/* How seqnn_model_load_ex / seqnn_model_load_weights_ex read a file. Fields may be added at the end. */
typedef struct seqnn_load_options {
    size_t struct_size;     /* sizeof(seqnn_load_options); set by seqnn_load_options_init */
    int32_t trusted;        /* 0 (default): libhdf5 reads the file in the reader process (see seqnn_model_load);
                               1: in this process, faster to start (no process), for files you trust only:
                               a damaged file can then crash or hang the caller */
    uint64_t memory_limit;  /* bytes the load may allocate for the file's arrays and the model's weights, checked
                               against declared sizes before allocating (SEQNN_OUT_OF_MEMORY beyond it);
                               0 or the default: half the machine's physical memory */
    double time_limit;      /* seconds the reader process may take before it is killed; 0 (default):
                               10 s + 5 s per 100 MB of file */
} seqnn_load_options;

/* Fills `options` with the defaults above. */
void seqnn_load_options_init(seqnn_load_options *options);

/* seqnn_model_load and seqnn_model_load_weights with options (NULL: the defaults). Bad options are
 * SEQNN_INVALID_ARGUMENT. Thread-safety as theirs. */
int seqnn_model_load_ex(const char *path, uint64_t seed, const seqnn_load_options *options, seqnn_model **model);
int seqnn_model_load_weights_ex(seqnn_model *model, const char *path, const seqnn_load_options *options);

/* Internal: the entry point of the seqnn-reader helper process; not for applications. */
int seqnn_reader_main(const char *path, uint64_t budget);

/* ---------------------------------------------------------------------------------------------------- */
/* Utilities                                                                                            */
/* ---------------------------------------------------------------------------------------------------- */

/* Keras's to_categorical: `n` integer class labels (as floats) -> n rows of one-hot floats.
 * num_classes 0 means max(label) + 1. `out` holds `cap` floats; *len (may be NULL) receives
 * n * num_classes, *classes (may be NULL) the number of classes. Non-integer or negative labels, or a
 * label >= num_classes, fail with SEQNN_INVALID_ARGUMENT. Thread-safe. */
int seqnn_to_categorical(const float *labels, size_t n, int64_t num_classes,
                         float *out, size_t cap, size_t *len, int64_t *classes);

#ifdef __cplusplus
}
#endif

#endif /* SEQNN_H */
