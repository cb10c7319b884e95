"""The shape of TensorFlow's "Basic text classification" after its TextVectorization step: integer token
sequences, Embedding, Dropout, GlobalAveragePooling1D, one logit, BinaryCrossentropy(from_logits=True) and
BinaryAccuracy(threshold=0.0), validation_data, then an export model with a sigmoid Activation.

Data: "reviews" of 40 tokens from a 1000-word vocabulary; a few words lean positive or negative."""
import numpy as np
import keras
from keras import layers, losses

SEED = 1337
keras.utils.set_random_seed(SEED)

max_features = 1000
sequence_length = 40
embedding_dim = 16
rng = np.random.default_rng(0)
positive_words = rng.choice(np.arange(2, max_features), 30, replace=False)
negative_words = rng.choice(np.setdiff1d(np.arange(2, max_features), positive_words), 30, replace=False)


def make_reviews(n):
    labels = rng.integers(0, 2, n)
    reviews = rng.integers(2, max_features, (n, sequence_length))
    for i, label in enumerate(labels):
        words = positive_words if label == 1 else negative_words
        places = rng.choice(sequence_length, 6, replace=False)
        reviews[i, places] = rng.choice(words, 6)
    return reviews.astype("int32"), labels.astype("float32")


x_train, y_train = make_reviews(2000)
x_val, y_val = make_reviews(400)
x_test, y_test = make_reviews(400)

model = keras.Sequential([
    keras.Input(shape=(sequence_length,)),
    layers.Embedding(max_features, embedding_dim),
    layers.Dropout(0.2),
    layers.GlobalAveragePooling1D(),
    layers.Dropout(0.2),
    layers.Dense(1)])
model.summary()

model.compile(loss=losses.BinaryCrossentropy(from_logits=True),
              optimizer="adam",
              metrics=[keras.metrics.BinaryAccuracy(threshold=0.0)])
epochs = 10
history = model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs)

loss, accuracy = model.evaluate(x_test, y_test)
print("Loss: ", loss)
print("Accuracy: ", accuracy)
history_dict = history.history

export_model = keras.Sequential([keras.Input(shape=(sequence_length,)), layers.Embedding(max_features, embedding_dim),
                                 layers.GlobalAveragePooling1D(), layers.Dense(1), layers.Activation("sigmoid")])
for exported, trained in zip([l for l in export_model.layers if l.weights], [l for l in model.layers if l.weights]):
    exported.set_weights(trained.get_weights())
export_model.compile(loss=losses.BinaryCrossentropy(from_logits=False), optimizer="adam", metrics=["accuracy"])
export_loss, export_accuracy = export_model.evaluate(x_test, y_test)

RESULT = {
    "history_keys": sorted(history_dict),
    "test_loss": loss,
    "test_accuracy": accuracy,
    "export_loss": export_loss,
    "export_accuracy": export_accuracy,
    "export_matches_trained": bool(abs(export_accuracy - accuracy) < 1e-6),
}
