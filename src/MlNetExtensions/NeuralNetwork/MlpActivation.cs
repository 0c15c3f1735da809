namespace MlNetExtensions;

/// <summary>The activation function applied by every hidden layer of an MLP.</summary>
public enum MlpActivation
{
    /// <summary>f(z) = z: the network stays linear (useful as a check). Glorot initialisation.</summary>
    Identity,
    /// <summary>The logistic function f(z) = 1 / (1 + e^−z). Glorot initialisation.</summary>
    Sigmoid,
    /// <summary>The hyperbolic tangent. Glorot initialisation.</summary>
    Tanh,
    /// <summary>f(z) = max(0, z). He initialisation. The default, as in scikit-learn.</summary>
    Relu,
    /// <summary>f(z) = z for z &gt; 0, else <see cref="MlpOptions.LeakyReluSlope"/>·z. He initialisation.</summary>
    LeakyRelu,
}

/// <summary>The update rule used by MLP training.</summary>
public enum MlpOptimizer
{
    /// <summary>Plain mini-batch stochastic gradient descent: θ ← θ − η·g.</summary>
    Sgd,
    /// <summary>SGD with momentum (classical, or Nesterov's when <see cref="MlpOptions.Nesterov"/> is set).</summary>
    Momentum,
    /// <summary>Adam (Kingma and Ba, 2015) with bias correction, as scikit-learn's <c>solver='adam'</c>. The default.</summary>
    Adam,
}

/// <summary>What an MLP predicts, which fixes its output layer and loss.</summary>
public enum MlpTask
{
    /// <summary>One linear output unit, mean squared error.</summary>
    Regression,
    /// <summary>One sigmoid output unit, binary cross-entropy.</summary>
    BinaryClassification,
    /// <summary>K softmax output units, cross-entropy.</summary>
    MulticlassClassification,
}
