namespace MlNetExtensions.NeuralNetwork.Optimizers;

/// <summary>
/// Momentum as scikit-learn writes it: v ← μv − ηg, then θ ← θ + v, or with Nesterov θ ← θ + μv − ηg.
/// </summary>
internal sealed class MomentumOptimizer(double learningRate, float momentum, bool nesterov, int parameterCount) : ParameterOptimizer(learningRate)
{
    private readonly float[] _velocity = new float[parameterCount];

    public override float[]? FirstMoments => _velocity;

    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradient)
    {
        Steps++;
        float rate = (float)LearningRate;
        var v = _velocity.AsSpan(0, parameters.Length);
        for (int i = 0; i < parameters.Length; i++)
        {
            float step = -rate * gradient[i];
            v[i] = momentum * v[i] + step;
            parameters[i] += nesterov ? momentum * v[i] + step : v[i];
        }
    }
}
