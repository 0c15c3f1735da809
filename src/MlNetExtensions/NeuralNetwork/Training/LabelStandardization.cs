namespace MlNetExtensions.NeuralNetwork.Training;

/// <summary>
/// The regression label's standardisation z = (y − <see cref="Shift"/>)/<see cref="Scale"/>: the network trains on z, and
/// at the end the output layer absorbs the transform (W ← s·W, b ← s·b + μ), so the model predicts y with an ordinary
/// network. s is a power of two, so scaling the weights is exact both ways; the shift is not (a Single bias near μ keeps
/// fewer bits of b), which is why a continued fit takes the output biases in standardised units from the training state.
/// </summary>
internal readonly record struct LabelStandardization(double Shift, double Scale)
{
    public static LabelStandardization None => new(0, 1);

    public bool IsNone => Shift == 0 && Scale == 1;

    /// <summary>μ = the weighted mean (as a Single), s = the weighted population standard deviation rounded to a power of two.</summary>
    public static LabelStandardization Fit(ReadOnlySpan<float> labels, ReadOnlySpan<float> weights)
    {
        double sum = 0, weight = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            sum += (double)weights[i] * labels[i];
            weight += weights[i];
        }
        double mean = (float)(sum / weight);
        double squares = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            double r = labels[i] - mean;
            squares += weights[i] * r * r;
        }
        double sd = Math.Sqrt(squares / weight);
        double scale = sd > 0 && double.IsFinite(sd) ? Math.Pow(2, Math.Clamp(Math.Round(Math.Log2(sd)), -60, 60)) : 1;
        return new LabelStandardization(double.IsFinite(mean) ? mean : 0, scale);
    }

    public float[] Apply(float[] labels)
    {
        if (IsNone) return labels;
        var z = new float[labels.Length];
        for (int i = 0; i < z.Length; i++) z[i] = (float)((labels[i] - Shift) / Scale);
        return z;
    }

    /// <summary>Folds the transform into the output layer; returns its biases as they were (in standardised units).</summary>
    public float[]? FoldInto(MlpNetwork network)
    {
        if (IsNone) return null;
        var layer = network.Layers[^1];
        var parameters = network.Parameters.AsSpan(layer.Offset, layer.ParameterCount);
        var standardized = parameters.Slice(layer.WeightCount).ToArray();
        var weights = parameters.Slice(0, layer.WeightCount);
        for (int i = 0; i < weights.Length; i++) weights[i] = (float)(weights[i] * Scale);
        var biases = parameters.Slice(layer.WeightCount);
        for (int k = 0; k < biases.Length; k++) biases[k] = (float)(standardized[k] * Scale + Shift);
        return standardized;
    }

    /// <summary>Undoes <see cref="FoldInto"/>: exact for the weights, and for the biases when their standardised values are given.</summary>
    public void UnfoldFrom(MlpNetwork network, float[]? standardizedBiases)
    {
        if (IsNone) return;
        var layer = network.Layers[^1];
        var parameters = network.Parameters.AsSpan(layer.Offset, layer.ParameterCount);
        var weights = parameters.Slice(0, layer.WeightCount);
        for (int i = 0; i < weights.Length; i++) weights[i] = (float)(weights[i] / Scale);
        var biases = parameters.Slice(layer.WeightCount);
        for (int k = 0; k < biases.Length; k++)
            biases[k] = standardizedBiases is { } b && b.Length == biases.Length ? b[k] : (float)((biases[k] - Shift) / Scale);
    }
}
