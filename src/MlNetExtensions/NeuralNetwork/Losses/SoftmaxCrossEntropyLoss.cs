namespace MlNetExtensions.NeuralNetwork.Losses;

/// <summary>
/// Cross-entropy of a softmax over K units, the label being the class index:
/// ℓ = log Σₖ e^{zₖ} − z_y (shifted by max z for stability); ∂ℓ/∂zₖ = softmaxₖ − [k = y].
/// </summary>
internal sealed class SoftmaxCrossEntropyLoss : OutputLoss
{
    public override double Evaluate(Span<float> logits, int units, ReadOnlySpan<float> labels, ReadOnlySpan<float> weights,
        int rows, float scale, bool writeGradient)
    {
        double total = 0;
        for (int i = 0; i < rows; i++)
        {
            var z = logits.Slice(i * units, units);
            int y = (int)labels[i];
            float max = z[0];
            for (int k = 1; k < units; k++) max = Math.Max(max, z[k]);
            double sum = 0;
            for (int k = 0; k < units; k++) sum += Math.Exp(z[k] - max);
            double logSum = Math.Log(sum) + max;
            total += weights[i] * (logSum - z[y]);
            if (writeGradient)
            {
                double factor = weights[i] * scale;
                for (int k = 0; k < units; k++)
                    z[k] = (float)(factor * (Math.Exp(z[k] - logSum) - (k == y ? 1 : 0)));
            }
        }
        return total;
    }
}
