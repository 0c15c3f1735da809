using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MlNetExtensions.Numerics;

namespace MlNetExtensions.NeuralNetwork.Optimizers;

/// <summary>
/// Adam with scikit-learn's bias correction folded into the step: ηₜ = η·√(1 − β2ᵗ)/(1 − β1ᵗ); with g including λθ,
/// m ← β1m + (1 − β1)g; v ← β2v + (1 − β2)g²; θ ← θ − ηₜ·m/(√v + ε). One fused SIMD pass over the parameter vector.
/// </summary>
internal sealed class AdamOptimizer(double learningRate, double beta1, double beta2, float epsilon, int parameterCount)
    : ParameterOptimizer(learningRate)
{
    private readonly float[] _m = new float[parameterCount];
    private readonly float[] _v = new float[parameterCount];

    public override float[]? FirstMoments => _m;
    public override float[]? SecondMoments => _v;

    private float _rate;

    protected override void BeginStep()
        => _rate = (float)(LearningRate * Math.Sqrt(1 - Math.Pow(beta2, Steps)) / (1 - Math.Pow(beta1, Steps)));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradient, int start, float lambda, ref SquareSum norm)
    {
        var sum = norm;
        float rate = _rate;
        float b1 = (float)beta1, b2 = (float)beta2, c1 = 1 - b1, c2 = 1 - b2;
        var m = _m.AsSpan(start, parameters.Length);
        var v = _v.AsSpan(start, parameters.Length);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vb1 = Vector256.Create(b1); var vb2 = Vector256.Create(b2);
            var vc1 = Vector256.Create(c1); var vc2 = Vector256.Create(c2);
            var vrate = Vector256.Create(rate); var veps = Vector256.Create(epsilon);
            var vlambda = Vector256.Create(lambda);
            ref float gr = ref MemoryMarshal.GetReference(gradient);
            ref float mr = ref MemoryMarshal.GetReference(m);
            ref float vr = ref MemoryMarshal.GetReference(v);
            ref float pr = ref MemoryMarshal.GetReference(parameters);
            for (; i + 8 <= parameters.Length; i += 8)
            {
                nuint at = (nuint)i;
                var p = Vector256.LoadUnsafe(ref pr, at);
                var g = Vector256.LoadUnsafe(ref gr, at);
                if (lambda != 0) g = p * vlambda + g;
                var mi = vb1 * Vector256.LoadUnsafe(ref mr, at) + vc1 * g;
                var vi = vb2 * Vector256.LoadUnsafe(ref vr, at) + vc2 * g * g;
                mi.StoreUnsafe(ref mr, at);
                vi.StoreUnsafe(ref vr, at);
                var updated = p - vrate * mi / (Vector256.Sqrt(vi) + veps);
                updated.StoreUnsafe(ref pr, at);
                if (lambda != 0) sum.Add(updated);
            }
        }
        for (; i < parameters.Length; i++)
        {
            float g = lambda != 0 ? parameters[i] * lambda + gradient[i] : gradient[i];
            m[i] = b1 * m[i] + c1 * g;
            v[i] = b2 * v[i] + c2 * g * g;
            parameters[i] -= rate * m[i] / (MathF.Sqrt(v[i]) + epsilon);
            if (lambda != 0) sum.Add(parameters[i]);
        }
        norm = sum;
    }
}
