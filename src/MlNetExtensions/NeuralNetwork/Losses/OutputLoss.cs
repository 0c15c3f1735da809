namespace MlNetExtensions.NeuralNetwork.Losses;

/// <summary>
/// The output head of the network: turns the output layer's pre-activations (logits) into per-row losses and into the
/// gradient of the weighted mean loss with respect to the logits.
/// </summary>
internal abstract class OutputLoss
{
    /// <summary>
    /// Returns Σᵢ wᵢ·ℓᵢ over the <paramref name="rows"/> rows, and overwrites <paramref name="logits"/> (rows × units)
    /// with wᵢ·scale·∂ℓᵢ/∂zᵢ when <paramref name="writeGradient"/> is set (scale = 1/Σw of the batch gives the mean).
    /// </summary>
    public abstract double Evaluate(Span<float> logits, int units, ReadOnlySpan<float> labels, ReadOnlySpan<float> weights,
        int rows, float scale, bool writeGradient);
}
