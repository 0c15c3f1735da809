namespace MlNetExtensions.NeuralNetwork.Losses;

/// <summary>ℓ = ½(z − y)² on one linear output (scikit-learn's <c>squared_loss</c>); ∂ℓ/∂z = z − y.</summary>
internal sealed class SquaredErrorLoss : OutputLoss
{
    public override double Evaluate(Span<float> logits, int units, ReadOnlySpan<float> labels, ReadOnlySpan<float> weights,
        int rows, float scale, bool writeGradient)
    {
        double total = 0;
        for (int i = 0; i < rows; i++)
        {
            float residual = logits[i] - labels[i];
            total += weights[i] * 0.5 * residual * residual;
            if (writeGradient) logits[i] = weights[i] * scale * residual;
        }
        return total;
    }
}
