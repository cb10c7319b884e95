extension LayerRegistry {
    /// Conv1D/2D, pooling, padding, upsampling, cropping; with the aliases Keras also exports
    /// (`Convolution2D`, `MaxPool2D`, `AvgPool1D`, `GlobalAvgPool2D`, ...). A layer is always saved
    /// under its canonical class name.
    static let convolutionFactories: [String: Factory] = [
        "Conv1D": Conv1D.init(config:),
        "Conv2D": Conv2D.init(config:),
        "MaxPooling1D": MaxPooling1D.init(config:),
        "MaxPooling2D": MaxPooling2D.init(config:),
        "AveragePooling1D": AveragePooling1D.init(config:),
        "AveragePooling2D": AveragePooling2D.init(config:),
        "GlobalMaxPooling1D": GlobalMaxPooling1D.init(config:),
        "GlobalMaxPooling2D": GlobalMaxPooling2D.init(config:),
        "GlobalAveragePooling1D": GlobalAveragePooling1D.init(config:),
        "GlobalAveragePooling2D": GlobalAveragePooling2D.init(config:),
        "ZeroPadding1D": ZeroPadding1D.init(config:),
        "ZeroPadding2D": ZeroPadding2D.init(config:),
        "UpSampling1D": UpSampling1D.init(config:),
        "UpSampling2D": UpSampling2D.init(config:),
        "Cropping1D": Cropping1D.init(config:),
        "Cropping2D": Cropping2D.init(config:),
        // Aliases (keras.layers exports them in both generations).
        "Convolution1D": Conv1D.init(config:),
        "Convolution2D": Conv2D.init(config:),
        "MaxPool1D": MaxPooling1D.init(config:),
        "MaxPool2D": MaxPooling2D.init(config:),
        "AvgPool1D": AveragePooling1D.init(config:),
        "AvgPool2D": AveragePooling2D.init(config:),
        "GlobalMaxPool1D": GlobalMaxPooling1D.init(config:),
        "GlobalMaxPool2D": GlobalMaxPooling2D.init(config:),
        "GlobalAvgPool1D": GlobalAveragePooling1D.init(config:),
        "GlobalAvgPool2D": GlobalAveragePooling2D.init(config:),
    ]
}
