"""Lines Keras 3 tutorials write around a Sequential model, beyond fit/evaluate/predict: model(x).numpy(),
keras.ops results, loss objects called by hand, layer.input/.output and model.inputs/.outputs, integer
keras.Input, Normalization.mean after adapt, Constant from a one-element array, pad_sequences, and the
summary options. Expected values are Keras 3.15's (tf_keras 2.21's for the summary table layout)."""
from __future__ import annotations

import numpy as np
import pytest

import seqnn
import seqnn.keras as keras
from seqnn.keras import layers, ops


def _model():
    return keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, name="a"), layers.Dense(2, name="b")])


def test_calling_the_model_gives_a_tensor_with_numpy():
    model = _model()
    x = np.ones((2, 4), dtype=np.float32)
    y = model(x)
    assert y.shape == (2, 2)
    out = y.numpy()
    assert type(out) is np.ndarray and out.dtype == np.float32
    np.testing.assert_array_equal(out, model.predict(x, verbose=0))


def test_ops_results_have_numpy_like_keras_tensors():
    probs = ops.softmax(np.array([[1.0, 2.0, 3.0]], dtype=np.float32)).numpy()
    assert type(probs) is np.ndarray
    np.testing.assert_allclose(probs.sum(), 1.0, rtol=1e-6)
    assert ops.argmax(np.array([[0.1, 0.9]]), axis=-1).numpy().tolist() == [1]
    assert ops.convert_to_tensor([1.0, 2.0]).numpy().tolist() == [1.0, 2.0]
    assert type(ops.convert_to_numpy(ops.convert_to_tensor([1.0]))) is np.ndarray
    assert float(ops.mean(np.array([1.0, 3.0]))) == 2.0
    assert ops.shape(np.zeros((2, 3))) == (2, 3)          # a plain tuple, as Keras's ops.shape


def test_a_loss_object_called_by_hand_gives_a_scalar_tensor():
    # TensorFlow's beginner quickstart: loss_fn(y_train[:1], predictions).numpy()
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    value = loss_fn(np.array([1]), np.array([[0.0, 0.0]]))
    assert isinstance(value.numpy(), np.float32)
    np.testing.assert_allclose(value.numpy(), np.log(2.0), rtol=1e-6)
    per_sample = keras.losses.MeanSquaredError(reduction="none")(np.zeros((2, 1)), np.ones((2, 1)))
    assert per_sample.numpy().tolist() == [1.0, 1.0]


def test_layer_input_and_output_tensors_have_the_batch_shapes():
    model = _model()
    a, b = model.layers
    assert a.input.shape == (None, 4) and a.output.shape == (None, 3)
    assert b.input.shape == (None, 3) and b.output.shape == (None, 2)
    assert a.output.dtype == "float32" and a.output.ndim == 2
    assert model.inputs[0].shape == (None, 4) and model.outputs[0].shape == (None, 2)
    assert len(model.inputs) == len(model.outputs) == 1
    assert repr(model.inputs[0]).startswith("<KerasTensor shape=(None, 4), dtype=float32")


def test_tensors_of_a_model_without_input_shape_raise_attribute_error_as_keras():
    model = keras.Sequential([layers.Dense(3)])
    with pytest.raises(AttributeError, match="has never been called and thus has no defined output"):
        model.layers[0].output
    with pytest.raises(AttributeError, match="has never been called and thus has no defined input"):
        model.layers[0].input
    with pytest.raises(AttributeError, match="has no defined inputs yet"):
        model.inputs
    with pytest.raises(AttributeError, match="has no defined outputs yet"):
        model.outputs
    model.build((None, 5))
    assert model.layers[0].output.shape == (None, 3)


def test_fixed_batch_size_shows_in_the_tensors():
    model = keras.Sequential([keras.Input(batch_shape=(8, 4)), layers.Dense(3)])
    assert model.layers[0].output.shape == (8, 3)


def test_integer_input_for_token_ids():
    # keras.io's text examples: keras.Input(shape=(maxlen,), dtype="int32") before an Embedding
    model = keras.Sequential([keras.Input(shape=(5,), dtype="int32"), layers.Embedding(10, 2)])
    assert model.inputs[0].dtype == "int32" and model.layers[0].input.dtype == "int32"
    assert model.layers[0].output.dtype == "float32"
    tokens = np.array([[1, 2, 3, 4, 9]], dtype=np.int32)
    table = model.layers[0].get_weights()[0]
    np.testing.assert_array_equal(model.predict(tokens, verbose=0)[0], table[tokens[0]])
    with pytest.raises(seqnn.UnsupportedError):
        keras.Input(shape=(5,), dtype="float64")


def test_normalization_mean_and_variance_after_adapt():
    data = np.array([[1.0, 10.0], [3.0, 30.0], [5.0, 50.0]], dtype=np.float32)
    norm = layers.Normalization(axis=-1)
    assert norm.mean is None and norm.variance is None        # not adapted yet
    norm.adapt(data)
    assert norm.mean.shape == (1, 2)                         # Keras 3: the input's broadcast shape
    np.testing.assert_allclose(norm.mean.numpy(), [[3.0, 30.0]], rtol=1e-6)
    np.testing.assert_allclose(norm.variance.numpy(), [[8.0 / 3.0, 800.0 / 3.0]], rtol=1e-5)
    model = keras.Sequential([norm, layers.Dense(1)])
    model.build((None, 2))
    np.testing.assert_allclose(norm.mean.numpy(), [[3.0, 30.0]], rtol=1e-6)

    scalar = layers.Normalization(axis=None)
    scalar.adapt(np.arange(6.0).reshape(3, 2))
    assert scalar.mean.shape == (1, 1)
    np.testing.assert_allclose(scalar.mean.numpy(), [[2.5]])
    np.testing.assert_allclose(scalar.variance.numpy(), [[35.0 / 12.0]], rtol=1e-6)

    rank3 = layers.Normalization()
    rank3.adapt(np.arange(24.0).reshape(2, 3, 4))
    assert rank3.mean.shape == (1, 1, 4)


def test_normalization_with_given_statistics_shows_them_once_built():
    norm = layers.Normalization(mean=[1.0, 2.0], variance=[1.0, 4.0])
    assert norm.mean is None                                 # Keras 3: None until built
    keras.Sequential([keras.Input(shape=(2,)), norm])
    np.testing.assert_array_equal(norm.mean.numpy(), [[1.0, 2.0]])
    np.testing.assert_array_equal(norm.variance.numpy(), [[1.0, 4.0]])


def test_constant_initializer_takes_a_one_element_array():
    # TensorFlow's imbalanced-data tutorial: bias_initializer=Constant(np.log([pos / neg]))
    bias = np.log([0.1])
    model = keras.Sequential([keras.Input(shape=(3,)),
                              layers.Dense(1, bias_initializer=keras.initializers.Constant(bias))])
    np.testing.assert_allclose(model.get_weights()[1], bias, rtol=1e-6)
    with pytest.raises(seqnn.UnsupportedError, match="one number"):
        keras.initializers.Constant([1.0, 2.0])


def test_pad_sequences_as_keras_documents_it():
    sequence = [[1], [2, 3], [4, 5, 6]]
    out = keras.utils.pad_sequences(sequence)
    assert out.dtype == np.int32
    assert out.tolist() == [[0, 0, 1], [0, 2, 3], [4, 5, 6]]
    assert keras.utils.pad_sequences(sequence, value=-1).tolist() == [[-1, -1, 1], [-1, 2, 3], [4, 5, 6]]
    assert keras.utils.pad_sequences(sequence, padding="post").tolist() == [[1, 0, 0], [2, 3, 0], [4, 5, 6]]
    assert keras.utils.pad_sequences(sequence, maxlen=2).tolist() == [[0, 1], [2, 3], [5, 6]]
    assert keras.utils.pad_sequences(sequence, maxlen=2, truncating="post").tolist() == [[0, 1], [2, 3], [4, 5]]
    assert keras.utils.pad_sequences([[], [1.5]], dtype="float32").tolist() == [[0.0], [1.5]]
    assert keras.utils.pad_sequences([[[1, 2]], [[3, 4], [5, 6]]]).shape == (2, 2, 2)
    with pytest.raises(ValueError, match="Padding type"):
        keras.utils.pad_sequences(sequence, padding="middle")
    with pytest.raises(ValueError, match="non-iterable"):
        keras.utils.pad_sequences([1, 2])


def _summary_model():
    model = keras.Sequential([
        keras.Input(shape=(4, 5)),
        layers.Bidirectional(layers.LSTM(3, return_sequences=True), name="a_very_long_layer_name_for_wrapping_tests"),
        layers.Flatten(name="flatten"),
        layers.Dense(2, name="dense")])
    model.layers[0].trainable = False
    return model


# tf_keras 2.21's print_summary of _summary_model() (run by hand; Keras 3's rich table has no such layout)
TF_KERAS_SUMMARY_90_TRAINABLE = """\
Model: "sequential"
_____________________________________________________________________________________________________
 Layer (type)                           Output Shape                        Param #       Trainable  
=====================================================================================================
 a_very_long_layer_name_for_wrapping_t  (None, 4, 6)                        216           N          
 ests (Bidirectional)                                                                                
                                                                                                     
 flatten (Flatten)                      (None, 24)                          0             Y          
                                                                                                     
 dense (Dense)                          (None, 2)                           50            Y          
                                                                                                     
=====================================================================================================
Total params: 266 (1.04 KB)
Trainable params: 50 (200.00 Byte)
Non-trainable params: 216 (864.00 Byte)
_____________________________________________________________________________________________________"""

TF_KERAS_SUMMARY_RANGE = """\
Model: "sequential"
_________________________________________________________________
 Layer (type)                Output Shape              Param #   
=================================================================
 flatten (Flatten)           (None, 24)                0         
                                                                 
 dense (Dense)               (None, 2)                 50        
                                                                 
=================================================================
Total params: 266 (1.04 KB)
Trainable params: 50 (200.00 Byte)
Non-trainable params: 216 (864.00 Byte)
_________________________________________________________________"""


def test_summary_line_length_and_show_trainable_as_tf_keras():
    lines = []
    _summary_model().summary(line_length=90, show_trainable=True, expand_nested=True, print_fn=lines.append)
    assert "\n".join(lines) == TF_KERAS_SUMMARY_90_TRAINABLE


def test_summary_layer_range_as_tf_keras():
    lines = []
    _summary_model().summary(layer_range=["flat", "dense"], print_fn=lines.append)
    assert "\n".join(lines) == TF_KERAS_SUMMARY_RANGE
    with pytest.raises(ValueError, match="do not match"):
        _summary_model().summary(layer_range=["nothing", "dense"], print_fn=lines.append)


def test_summary_positions_and_unbuilt_models():
    lines = []
    keras.Sequential([layers.Dense(3)]).summary(positions=[30, 50, 65], print_fn=lines.append)
    assert lines[2] == " Layer (type)                 Output Shape        Param #        "
    assert lines[4].startswith(" dense (Dense)                (unbuilt)           0")
    assert lines[-4] == "Total params: 0 (0.00 Byte)"


def test_normalization_axis_none_uses_one_mean_for_every_value():
    # The auto-MPG tutorial's `layers.Normalization(input_shape=[1,], axis=None)`; with two features
    # Keras's axis=None still learns one mean and variance over all values.
    norm = layers.Normalization(axis=None)
    model = keras.Sequential([keras.Input(shape=(2,)), norm])
    norm.adapt(np.array([[0.0, 10.0], [2.0, 30.0]]))
    np.testing.assert_allclose(model.predict(np.array([[1.0, 20.0]]), verbose=0),
                               [[(1.0 - 10.5) / np.sqrt(140.75), (20.0 - 10.5) / np.sqrt(140.75)]], rtol=1e-5)
