namespace MlNetExtensions;

/// <summary>How a trainer holds and processes the feature vectors it reads.</summary>
public enum FeatureLayout
{
    /// <summary>
    /// The default: decided once per fit from the first 1,024 rows (logged): <see cref="Sparse"/> when the feature vector
    /// has at least 32 slots and at most a quarter of the values read are non-zero (text and one-hot features), otherwise
    /// <see cref="Dense"/>. The decision counts non-zero values, not how the vectors happen to be stored, so the same
    /// data gives the same layout whether it arrives as sparse or dense vectors.
    /// </summary>
    Auto,

    /// <summary>Every row as d floats: the SIMD kernels' layout, best for narrow or mostly non-zero features.</summary>
    Dense,

    /// <summary>
    /// Compressed sparse rows: only the non-zero values and their slot indices (8 bytes a non-zero), as ML.NET's sparse
    /// <c>VBuffer</c> holds them; the kernels touch only the non-zeros.
    /// </summary>
    Sparse,
}
