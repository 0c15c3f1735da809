using System.Runtime.CompilerServices;
using MlNetExtensions.Numerics;

namespace MlNetExtensions.NeuralNetwork.Optimizers;

/// <summary>
/// Momentum as scikit-learn writes it (g including λθ): v ← μv − ηg, then θ ← θ + v, or with Nesterov θ ← θ + μv − ηg.
/// </summary>
internal sealed class MomentumOptimizer(double learningRate, float momentum, bool nesterov, int parameterCount) : ParameterOptimizer(learningRate)
{
    private readonly float[] _velocity = new float[parameterCount];

    public override float[]? FirstMoments => _velocity;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradient, int start, float lambda, ref SquareSum norm)
    {
        float rate = (float)LearningRate;
        var v = _velocity.AsSpan(start, parameters.Length);
        for (int i = 0; i < parameters.Length; i++)
        {
            float g = lambda != 0 ? parameters[i] * lambda + gradient[i] : gradient[i];
            float step = -rate * g;
            v[i] = momentum * v[i] + step;
            parameters[i] += nesterov ? momentum * v[i] + step : v[i];
        }
        // A scalar loop: the squares are added afterwards, in the same order as everywhere else.
        if (lambda != 0) VectorMath.AddSquares(ref norm, parameters);
    }
}
