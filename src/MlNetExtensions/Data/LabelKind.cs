namespace MlNetExtensions.Data;

/// <summary>What the label column must hold.</summary>
internal enum LabelKind
{
    /// <summary>Single, any finite value.</summary>
    Regression,
    /// <summary>Boolean, or Single 0/1; read as 0/1.</summary>
    Binary,
    /// <summary>A key type (from <c>MapValueToKey</c>); read as the class index 0..K−1.</summary>
    Multiclass,
    /// <summary>Single ≥ 0: a count or rate (Poisson regression).</summary>
    Count,
}
