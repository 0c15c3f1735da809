namespace MlNetExtensions.Data;

/// <summary>Every usable row of the training data held in memory (for the iterative trainers).</summary>
internal sealed record DenseDataset(float[] Features, float[] Labels, float[] Weights, int Count, int FeatureCount, ReadSummary Summary);
