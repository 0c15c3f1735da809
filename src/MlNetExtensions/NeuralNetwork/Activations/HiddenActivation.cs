using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MlNetExtensions.NeuralNetwork.Activations;

/// <summary>
/// An element-wise activation of a hidden layer: applied in place to the pre-activations, and its derivative expressed
/// through the activated values (all five activations allow that, so back-propagation needs no copy of Z).
/// </summary>
internal abstract class HiddenActivation
{
    public static HiddenActivation Create(MlpActivation activation, float leakySlope) => activation switch
    {
        MlpActivation.Identity => new IdentityActivation(),
        MlpActivation.Sigmoid => new SigmoidActivation(),
        MlpActivation.Tanh => new TanhActivation(),
        MlpActivation.Relu => new ReluActivation(),
        MlpActivation.LeakyRelu => new LeakyReluActivation(leakySlope),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, $"Unknown activation {activation}."),
    };

    /// <summary>
    /// The f of the initial weight bound √(f/(fan_in + fan_out)) of every layer: Glorot's 6, and 2 for the logistic
    /// function, exactly as scikit-learn's MLP (it keeps Glorot's bound for ReLU too; He's √(6/fan_in) made our wider
    /// networks learn more slowly: see the README's MLP results).
    /// </summary>
    public virtual double InitializationFactor => 6;

    /// <summary>z ← f(z).</summary>
    public abstract void Apply(Span<float> values);

    /// <summary>δ ← δ ⊙ f′(z), with f′ computed from a = f(z).</summary>
    public abstract void MultiplyByDerivative(Span<float> delta, ReadOnlySpan<float> activated);
}

internal sealed class IdentityActivation : HiddenActivation
{
    public override void Apply(Span<float> values) { }
    public override void MultiplyByDerivative(Span<float> delta, ReadOnlySpan<float> activated) { }
}

internal sealed class SigmoidActivation : HiddenActivation
{
    public override double InitializationFactor => 2;
    public override void Apply(Span<float> values) => TensorPrimitives.Sigmoid(values, values);

    public override void MultiplyByDerivative(Span<float> delta, ReadOnlySpan<float> activated)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var one = Vector256<float>.One;
            for (; i + 8 <= delta.Length; i += 8)
            {
                var a = Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(activated), (nuint)i);
                ref float d = ref MemoryMarshal.GetReference(delta);
                (Vector256.LoadUnsafe(ref d, (nuint)i) * a * (one - a)).StoreUnsafe(ref d, (nuint)i);
            }
        }
        for (; i < delta.Length; i++) delta[i] *= activated[i] * (1 - activated[i]);
    }
}

internal sealed class TanhActivation : HiddenActivation
{
    public override void Apply(Span<float> values) => TensorPrimitives.Tanh(values, values);

    public override void MultiplyByDerivative(Span<float> delta, ReadOnlySpan<float> activated)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var one = Vector256<float>.One;
            for (; i + 8 <= delta.Length; i += 8)
            {
                var a = Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(activated), (nuint)i);
                ref float d = ref MemoryMarshal.GetReference(delta);
                (Vector256.LoadUnsafe(ref d, (nuint)i) * (one - a * a)).StoreUnsafe(ref d, (nuint)i);
            }
        }
        for (; i < delta.Length; i++) delta[i] *= 1 - activated[i] * activated[i];
    }
}

internal sealed class ReluActivation : HiddenActivation
{
    public override void Apply(Span<float> values) => TensorPrimitives.Max(values, 0f, values);

    public override void MultiplyByDerivative(Span<float> delta, ReadOnlySpan<float> activated)
        => LeakyReluActivation.SelectBySign(delta, activated, delta, 0f);
}

internal sealed class LeakyReluActivation(float slope) : HiddenActivation
{
    public override void Apply(Span<float> values) => SelectBySign(values, values, values, slope);

    public override void MultiplyByDerivative(Span<float> delta, ReadOnlySpan<float> activated) => SelectBySign(delta, activated, delta, slope);

    /// <summary>
    /// destination[i] = sign[i] &gt; 0 ? value[i] : factor·value[i], branch-free: the signs of activations are random,
    /// and a mispredicted branch per element cost more than the layer's matrix product.
    /// </summary>
    internal static void SelectBySign(ReadOnlySpan<float> value, ReadOnlySpan<float> sign, Span<float> destination, float factor)
    {
        int i = 0;
        ref float v = ref MemoryMarshal.GetReference(value);
        ref float s = ref MemoryMarshal.GetReference(sign);
        ref float d = ref MemoryMarshal.GetReference(destination);
        if (Vector256.IsHardwareAccelerated)
        {
            var f = Vector256.Create(factor);
            for (; i + 8 <= destination.Length; i += 8)
            {
                var x = Vector256.LoadUnsafe(ref v, (nuint)i);
                var positive = Vector256.GreaterThan(Vector256.LoadUnsafe(ref s, (nuint)i), Vector256<float>.Zero);
                Vector256.ConditionalSelect(positive, x, x * f).StoreUnsafe(ref d, (nuint)i);
            }
        }
        for (; i < destination.Length; i++) destination[i] = sign[i] > 0 ? value[i] : factor * value[i];
    }
}
