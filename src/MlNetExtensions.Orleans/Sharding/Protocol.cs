namespace MlNetExtensions.Sharding;

// What the client and the shard grains send each other. Numbers travel as doubles so that the sums a silo computes reach
// the client unchanged; enums of ML.NET and of the core library travel as their integer values.

/// <summary>How a shard's file is read.</summary>
[GenerateSerializer]
internal enum ShardFileKind
{
    Text,
    Parquet,
}

/// <summary>A source range of a text column (ML.NET's <c>TextLoader.Range</c>).</summary>
[GenerateSerializer, Immutable]
internal sealed record ShardRange(int Min, int? Max, bool AutoEnd, bool VariableEnd, bool AllOther, bool ForceVector);

/// <summary>
/// A column to load: text columns by ML.NET data kind and field ranges (and, for a key column, its <c>KeyCount</c>: IsKey, and
/// KeyCount null for one without a count), Parquet columns by source column names.
/// </summary>
[GenerateSerializer, Immutable]
internal sealed record ShardColumn(string Name, int DataKind, ShardRange[] Ranges, bool IsKey, ulong? KeyCount, string[] SourceColumns);

/// <summary>The format and column definitions every shard of a source shares.</summary>
[GenerateSerializer, Immutable]
internal sealed record ShardFormatSpec(ShardFileKind Kind, char Separator, bool HasHeader, bool AllowQuoting, ShardColumn[] Columns);

/// <summary>Everything a shard grain needs to read its shard as the trainer would in process.</summary>
/// <param name="Index">The shard's place in the source (its rows come after those of shards 0 … Index − 1).</param>
/// <param name="Path">The shard's path or file:// URI.</param>
/// <param name="Format">How to read it.</param>
/// <param name="FeaturizationModelPath">The saved pipeline to apply, or null.</param>
/// <param name="LabelColumn">The trainer's label column (after featurization).</param>
/// <param name="FeatureColumn">The trainer's feature column.</param>
/// <param name="WeightColumn">The trainer's example weight column, or null.</param>
/// <param name="BinaryLabel">Binary classification (Boolean or 0/1 labels) rather than regression.</param>
/// <param name="Layout">The <see cref="FeatureLayout"/> to hold rows in (Auto only for the shard that decides it).</param>
/// <param name="MemoryBudgetBytes">The trainer option, applied per shard.</param>
/// <param name="Threads">The trainer option, applied per shard.</param>
[GenerateSerializer, Immutable]
internal sealed record ShardTask(int Index, string Path, ShardFormatSpec Format, string? FeaturizationModelPath, string LabelColumn,
    string FeatureColumn, string? WeightColumn, bool BinaryLabel, int Layout, long? MemoryBudgetBytes, int? Threads);

/// <summary>What a shard looks like before any row is used: its schema, fields, and (for the deciding shard) the layout.</summary>
/// <param name="FeatureCount">d after featurization.</param>
/// <param name="Layout">The layout the reader chose (Dense or Sparse).</param>
/// <param name="MeasuredDensity">The non-zero fraction the Auto decision measured, or null.</param>
/// <param name="HeaderFields">A text shard's first line split into fields (the header when there is one).</param>
/// <param name="SourceColumns">A Parquet shard's columns, as "name: type".</param>
/// <param name="Schema">The featurized schema as ML.NET's binary format with no rows (what the model's transformer is trained on).</param>
/// <param name="FeatureType">The feature column's type, for messages.</param>
/// <param name="Silo">Where the shard grain ran.</param>
[GenerateSerializer, Immutable]
internal sealed record ShardDescription(int FeatureCount, int Layout, double? MeasuredDensity, string[] HeaderFields, string[] SourceColumns,
    byte[] Schema, string FeatureType, string Silo);

/// <summary>What reading a shard gave: the counts and sums the trainers need besides their passes.</summary>
/// <param name="RowsRead">Rows in the shard.</param>
/// <param name="RowsUsed">Rows without a missing or infinite value.</param>
/// <param name="RowsSkipped">Rows skipped for a missing or infinite value.</param>
/// <param name="WeightSum">Σw over the used rows.</param>
/// <param name="LabelWeightSum">Σw·y (a load's; NaN for the linear fit's streamed pass, which does not need it).</param>
/// <param name="PositiveWeightRows">Rows with w &gt; 0 (a load's; 0 for the streamed pass).</param>
/// <param name="Silo">Where the shard grain ran.</param>
[GenerateSerializer, Immutable]
internal sealed record ShardRows(long RowsRead, long RowsUsed, long RowsSkipped, double WeightSum, double LabelWeightSum, long PositiveWeightRows,
    string Silo);

/// <summary>A shard's normal-equation statistics (a <c>NormalEquationState</c>) and what its pass read.</summary>
[GenerateSerializer, Immutable]
internal sealed record ShardMoments(ShardRows Rows, int FeatureCount, long Count, bool HasShift, bool FeatureShiftIsZero, double[] Shift, double[] UpperSums);

/// <summary>A shard's part of one GLM pass: Σw·ℓ, its gradient Σw·ℓ'·x̃ (bias last), and the margins it saw.</summary>
[GenerateSerializer, Immutable]
internal sealed record ShardPass(double LossSum, double[] Gradient, double MinMargin, double MaxAbsScore);

/// <summary>The shard grain no longer holds its rows (it was reactivated, e.g. on another silo): load them again.</summary>
[GenerateSerializer]
internal sealed class ShardNotLoadedException : Exception
{
    public ShardNotLoadedException(string message) : base(message)
    {
    }
}
