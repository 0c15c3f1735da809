using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MlNetExtensions.Numerics;

namespace MlNetExtensions.NeuralNetwork.Optimizers;

/// <summary>θ ← θ − η·(g + λθ).</summary>
internal sealed class SgdOptimizer(double learningRate) : ParameterOptimizer(learningRate)
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradient, int start, float lambda, ref SquareSum norm)
    {
        var sum = norm;
        float rate = -(float)LearningRate;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vrate = Vector256.Create(rate);
            var vlambda = Vector256.Create(lambda);
            ref float gr = ref MemoryMarshal.GetReference(gradient);
            ref float pr = ref MemoryMarshal.GetReference(parameters);
            for (; i + 8 <= parameters.Length; i += 8)
            {
                nuint at = (nuint)i;
                var p = Vector256.LoadUnsafe(ref pr, at);
                var g = Vector256.LoadUnsafe(ref gr, at);
                if (lambda != 0) g = p * vlambda + g;
                var updated = g * vrate + p;
                updated.StoreUnsafe(ref pr, at);
                if (lambda != 0) sum.Add(updated);
            }
        }
        for (; i < parameters.Length; i++)
        {
            float g = lambda != 0 ? parameters[i] * lambda + gradient[i] : gradient[i];
            parameters[i] = g * rate + parameters[i];
            if (lambda != 0) sum.Add(parameters[i]);
        }
        norm = sum;
    }
}
