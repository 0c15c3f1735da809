namespace MlNetExtensions.NeuralNetwork.Losses;

/// <summary>
/// Binary cross-entropy of one sigmoid unit, computed from the logit z without forming σ(z):
/// ℓ = max(z, 0) − y·z + log(1 + e^−|z|); ∂ℓ/∂z = σ(z) − y.
/// </summary>
internal sealed class BinaryCrossEntropyLoss : OutputLoss
{
    public override double Evaluate(Span<float> logits, int units, ReadOnlySpan<float> labels, ReadOnlySpan<float> weights,
        int rows, float scale, bool writeGradient)
    {
        double total = 0;
        for (int i = 0; i < rows; i++)
        {
            double z = logits[i], y = labels[i];
            double e = Math.Exp(-Math.Abs(z)); // in (0, 1]: neither overflows
            total += weights[i] * (Math.Max(z, 0) - y * z + Math.Log(1 + e));
            if (writeGradient)
            {
                double p = z >= 0 ? 1 / (1 + e) : e / (1 + e);
                logits[i] = (float)(weights[i] * scale * (p - y));
            }
        }
        return total;
    }
}
