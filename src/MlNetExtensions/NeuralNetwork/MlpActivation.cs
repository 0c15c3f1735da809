namespace MlNetExtensions;

/// <summary>
/// The activation function applied by every hidden layer of an MLP. Every layer's weights start uniform in
/// ±√(6/(fan_in + fan_out)) (Glorot), ±√(2/(fan_in + fan_out)) for <see cref="Sigmoid"/>, as scikit-learn's MLP.
/// </summary>
public enum MlpActivation
{
    /// <summary>f(z) = z: the network stays linear (useful as a check).</summary>
    Identity,
    /// <summary>The logistic function f(z) = 1 / (1 + e^−z).</summary>
    Sigmoid,
    /// <summary>The hyperbolic tangent.</summary>
    Tanh,
    /// <summary>f(z) = max(0, z). The default, as in scikit-learn.</summary>
    Relu,
    /// <summary>f(z) = z for z &gt; 0, else <see cref="MlpOptions.LeakyReluSlope"/>·z.</summary>
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
    /// <summary>
    /// Full-batch L-BFGS (limited-memory quasi-Newton with a strong-Wolfe line search), as scikit-learn's
    /// <c>solver='lbfgs'</c>, which scikit-learn recommends for small data sets (up to a few thousand rows): it converges
    /// in far fewer passes and needs no learning rate. One epoch is one iteration; training stops when the largest
    /// gradient component is at most <see cref="MlpOptions.Tolerance"/>. Ignores the batch size, shuffling, the learning
    /// rate and its schedule.
    /// </summary>
    Lbfgs,
}

/// <summary>How the learning rate of the mini-batch optimizers changes over training (scikit-learn's <c>learning_rate</c>).</summary>
public enum MlpLearningRateSchedule
{
    /// <summary>η stays <see cref="MlpOptions.LearningRate"/>. The default.</summary>
    Constant,
    /// <summary>
    /// η = <see cref="MlpOptions.LearningRate"/> / (t + 1)^<see cref="MlpOptions.PowerT"/>, t the number of training rows
    /// processed before the current epoch (scikit-learn's <c>invscaling</c>: η changes once per epoch).
    /// </summary>
    InverseScaling,
    /// <summary>
    /// η stays constant while the watched loss improves; each time it has not improved by
    /// <see cref="MlpOptions.Tolerance"/> for more than <see cref="MlpOptions.Patience"/> epochs, η is divided by 5, and
    /// training stops when that happens with η already at or below 1e-6 (scikit-learn's <c>adaptive</c>). The watched
    /// loss is the validation loss with <see cref="MlpOptions.EarlyStopping"/>, else the training loss.
    /// </summary>
    Adaptive,
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
