using System.Numerics.Tensors;

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

    /// <summary>True for ReLU-like activations, which want He initialisation; the others want Glorot's.</summary>
    public abstract bool UsesHeInitialization { get; }

    /// <summary>z ← f(z).</summary>
    public abstract void Apply(Span<float> values);

    /// <summary>δ ← δ ⊙ f′(z), with f′ computed from a = f(z).</summary>
    public abstract void MultiplyByDerivative(Span<float> delta, ReadOnlySpan<float> activated);
}

internal sealed class IdentityActivation : HiddenActivation
{
    public override bool UsesHeInitialization => false;
    public override void Apply(Span<float> values) { }
    public override void MultiplyByDerivative(Span<float> delta, ReadOnlySpan<float> activated) { }
}

internal sealed class SigmoidActivation : HiddenActivation
{
    public override bool UsesHeInitialization => false;
    public override void Apply(Span<float> values) => TensorPrimitives.Sigmoid(values, values);

    public override void MultiplyByDerivative(Span<float> delta, ReadOnlySpan<float> activated)
    {
        for (int i = 0; i < delta.Length; i++) delta[i] *= activated[i] * (1 - activated[i]);
    }
}

internal sealed class TanhActivation : HiddenActivation
{
    public override bool UsesHeInitialization => false;
    public override void Apply(Span<float> values) => TensorPrimitives.Tanh(values, values);

    public override void MultiplyByDerivative(Span<float> delta, ReadOnlySpan<float> activated)
    {
        for (int i = 0; i < delta.Length; i++) delta[i] *= 1 - activated[i] * activated[i];
    }
}

internal sealed class ReluActivation : HiddenActivation
{
    public override bool UsesHeInitialization => true;
    public override void Apply(Span<float> values) => TensorPrimitives.Max(values, 0f, values);

    public override void MultiplyByDerivative(Span<float> delta, ReadOnlySpan<float> activated)
    {
        for (int i = 0; i < delta.Length; i++) delta[i] = activated[i] > 0 ? delta[i] : 0f;
    }
}

internal sealed class LeakyReluActivation(float slope) : HiddenActivation
{
    public override bool UsesHeInitialization => true;

    public override void Apply(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++) values[i] = values[i] > 0 ? values[i] : slope * values[i];
    }

    public override void MultiplyByDerivative(Span<float> delta, ReadOnlySpan<float> activated)
    {
        for (int i = 0; i < delta.Length; i++) delta[i] = activated[i] > 0 ? delta[i] : slope * delta[i];
    }
}
