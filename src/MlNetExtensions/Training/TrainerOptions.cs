using MlNetExtensions.Data;

namespace MlNetExtensions;

/// <summary>
/// What every trainer of this library reads from the data, and how many threads it may use. The trainers' own options
/// classes derive from it; each holds its defaults in one nested <c>Defaults</c> class.
/// </summary>
/// <remarks>
/// A trainer validates its options when it is created (the exception names the option and the value) and keeps a copy,
/// so changing the options object afterwards does not change a trainer already made from it.
/// </remarks>
public abstract class TrainerOptions
{
    private protected TrainerOptions()
    {
    }

    /// <summary>Label column. Default "Label".</summary>
    public string LabelColumnName { get; set; } = DefaultColumnNames.Label;

    /// <summary>Feature column (a known-size vector of Single). Default "Features".</summary>
    public string FeatureColumnName { get; set; } = DefaultColumnNames.Features;

    /// <summary>Optional example weight column (Single, finite, ≥ 0). Default none: every row weighs 1.</summary>
    public string? ExampleWeightColumnName { get; set; }

    /// <summary>
    /// The most threads a fit may use (&gt; 0). Default null: as many as the machine has cores. A trainer uses fewer where
    /// the data is too small to gain from more (and the closed-form trainer measures on the first rows whether a second
    /// thread pays). The model does not depend on it: work is split by the data's size, never by the thread count (the
    /// closed-form trainer's sums may differ in their last bits, as they are merged in the order the threads finish).
    /// </summary>
    public int? NumberOfThreads { get; set; }

    /// <summary>
    /// How the features are held while training: <see cref="MlNetExtensions.FeatureLayout.Auto"/> (the default) decides from the
    /// data (sparse for text and one-hot vectors), <see cref="MlNetExtensions.FeatureLayout.Dense"/> or
    /// <see cref="MlNetExtensions.FeatureLayout.Sparse"/> fix it. The model does not depend on it beyond rounding.
    /// </summary>
    public FeatureLayout FeatureLayout { get; set; } = FeatureLayout.Auto;

    /// <summary>
    /// Bytes (&gt; 0) a fit may allocate for what grows with the data (n·d floats or the non-zeros of the rows held in
    /// memory) or with d² (Hessians, normal equations and their factorisations). Checked before allocating: over it the
    /// trainer takes a path that fits where it has one (L-BFGS instead of Newton, conjugate gradients instead of the normal
    /// equations, statistics skipped with a logged reason) and otherwise throws <see cref="InvalidOperationException"/>
    /// naming d, the bytes needed and this option. Default null: half of the memory available to the process.
    /// </summary>
    public long? MemoryBudgetBytes { get; set; }

    /// <summary>Checks every option; the exception names the option and the value it got.</summary>
    /// <exception cref="ArgumentException">A column name is null or blank.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A number is out of its range.</exception>
    internal virtual void Validate()
    {
        OptionChecks.ColumnName(LabelColumnName, nameof(LabelColumnName));
        OptionChecks.ColumnName(FeatureColumnName, nameof(FeatureColumnName));
        if (ExampleWeightColumnName is not null) OptionChecks.ColumnName(ExampleWeightColumnName, nameof(ExampleWeightColumnName));
        if (NumberOfThreads is { } threads) OptionChecks.Positive(threads, nameof(NumberOfThreads));
        if (!Enum.IsDefined(FeatureLayout))
            throw new ArgumentOutOfRangeException(nameof(FeatureLayout), FeatureLayout, $"{nameof(FeatureLayout)} must be Auto, Dense or Sparse, but is {FeatureLayout}.");
        if (MemoryBudgetBytes is { } budget && budget <= 0)
            throw new ArgumentOutOfRangeException(nameof(MemoryBudgetBytes), budget, $"{nameof(MemoryBudgetBytes)} must be > 0, but is {budget}.");
    }

    /// <summary>A copy the trainer keeps (arrays copied too), so later edits by the caller do not leak in.</summary>
    internal virtual TrainerOptions Copy() => (TrainerOptions)MemberwiseClone();

    /// <summary>The threads a pass may use: <see cref="NumberOfThreads"/>, or the machine's cores.</summary>
    internal int MaximumThreads => MaximumThreadsFor(NumberOfThreads);

    /// <summary>The threads a <see cref="NumberOfThreads"/> value allows (null: one per processor).</summary>
    internal static int MaximumThreadsFor(int? numberOfThreads) => numberOfThreads ?? Environment.ProcessorCount;

    /// <summary>Checks <paramref name="options"/> and returns the trainer's own copy of it.</summary>
    internal static T CheckedCopy<T>(T options) where T : TrainerOptions
    {
        ArgumentNullException.ThrowIfNull(options);
        var copy = (T)options.Copy();
        copy.Validate();
        return copy;
    }
}
