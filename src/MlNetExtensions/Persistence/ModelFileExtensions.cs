using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Microsoft.ML;
using MlNetExtensions.Interop;
using MlNetExtensions.Persistence;

namespace MlNetExtensions;

/// <summary>
/// Saving and loading ML.NET model zips so that they come back whole, with a checksum, and with errors that say at the
/// top level what is wrong.
/// </summary>
/// <remarks>
/// <para>The files stay ordinary ML.NET models: <c>Model.Load</c> in a program that references only Microsoft.ML loads
/// and scores them (an MLP as a chain of ML.NET's own transformers), and ignores this library's entries:
/// <c>MlNetExtensions.bin</c> beside each transformer that has data of ours (an MLP's sizes, loss curves and options; a
/// linear or Poisson model's statistics; a logistic model's training report), and the checksums.</para>
/// <para><see cref="LoadWithExtensions(ModelOperationsCatalog, string, out DataViewSchema)"/> (and
/// <see cref="LoadVerified"/>) runs ML.NET's <c>Load</c>, then puts every transformer of ours back at its place, at any
/// nesting depth: an <see cref="MlpPredictionTransformer"/> with its <see cref="MlpModelParameters"/> for the chain the
/// MLP was saved as (scoring bit-identically to the model saved), and the statistics onto the linear models.</para>
/// <para>ML.NET's own model objects cannot carry our data through plain <c>Model.Save</c>, so the linear regression
/// statistics and the logistic report are saved only by <see cref="SaveWithExtensions(ModelOperationsCatalog, ITransformer, DataViewSchema, string)"/>
/// and <see cref="SaveWithChecksum"/>; an MLP's data is saved by plain <c>Model.Save</c> too.</para>
/// ML.NET's <c>Model.Load</c> reports a broken file 3–6 exceptions deep and loads a file with a flipped weight bit
/// silently; <see cref="SaveWithChecksum"/> and <see cref="LoadVerified"/> close both gaps.
/// </remarks>
public static class ModelFileExtensions
{
    /// <summary>The zip entry holding the checksums; ML.NET ignores it.</summary>
    public const string ChecksumEntryName = "MlNetExtensions/Checksums.txt";

    /// <summary>
    /// Saves <paramref name="model"/> like <c>Model.Save</c>, plus what this library attached to ML.NET's own linear models
    /// in it (linear and Poisson regression statistics, the logistic training report and statistics), so that
    /// <see cref="LoadWithExtensions(ModelOperationsCatalog, string, out DataViewSchema)"/> gives them back.
    /// </summary>
    /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
    /// <param name="model">The fitted model or pipeline.</param>
    /// <param name="inputSchema">The schema of the data the model was fitted on (may be null, as for <c>Model.Save</c>).</param>
    /// <param name="filePath">Where to write the zip.</param>
    /// <exception cref="ArgumentNullException"><paramref name="catalog"/> or <paramref name="model"/> is null.</exception>
    public static void SaveWithExtensions(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string filePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        File.WriteAllBytes(filePath, SaveToBytes(catalog, model, inputSchema, checksum: false));
    }

    /// <summary>As <see cref="SaveWithExtensions(ModelOperationsCatalog, ITransformer, DataViewSchema, string)"/>, to a writable stream.</summary>
    /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
    /// <param name="model">The fitted model or pipeline.</param>
    /// <param name="inputSchema">The schema of the data the model was fitted on (may be null).</param>
    /// <param name="stream">Where to write the zip (written from its current position).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static void SaveWithExtensions(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(SaveToBytes(catalog, model, inputSchema, checksum: false));
    }

    /// <summary>
    /// Loads a model like <c>Model.Load</c>, then restores every transformer of this library in it (at any nesting depth)
    /// and the data this library saved beside ML.NET's own models; see the class remarks. A zip without such data loads
    /// exactly as with <c>Model.Load</c>.
    /// </summary>
    /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
    /// <param name="filePath">The zip to load.</param>
    /// <param name="inputSchema">The schema the model was saved with (null if it was saved without one).</param>
    /// <returns>The model, with <see cref="MlpPredictionTransformer"/>s where MLPs were saved.</returns>
    /// <exception cref="InvalidDataException">An entry of this library is damaged, truncated, of a newer format, or does not fit
    /// the model saved beside it; the message names the entry (the ML.NET part still loads with <c>Model.Load</c>).</exception>
    public static ITransformer LoadWithExtensions(this ModelOperationsCatalog catalog, string filePath, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        return Load(catalog, File.ReadAllBytes(filePath), out inputSchema);
    }

    /// <summary>As <see cref="LoadWithExtensions(ModelOperationsCatalog, string, out DataViewSchema)"/>, from a readable stream.</summary>
    /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
    /// <param name="stream">The zip, read from its current position to its end.</param>
    /// <param name="inputSchema">The schema the model was saved with (null if it was saved without one).</param>
    /// <exception cref="InvalidDataException">An entry of this library is damaged; the message names it.</exception>
    public static ITransformer LoadWithExtensions(this ModelOperationsCatalog catalog, Stream stream, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Load(catalog, buffer.ToArray(), out inputSchema);
    }

    /// <summary>ML.NET's <c>Load</c> of the zip <paramref name="bytes"/>, then this library's entries restored from the same bytes.</summary>
    private static ITransformer Load(ModelOperationsCatalog catalog, byte[] bytes, out DataViewSchema inputSchema)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        var model = catalog.Load(stream, out inputSchema);
        return ModelExtensions.Restore(MlNetInternals.GetEnvironment(catalog), model, bytes);
    }

    /// <summary>
    /// Saves <paramref name="model"/> as <see cref="SaveWithExtensions(ModelOperationsCatalog, ITransformer, DataViewSchema, string)"/>
    /// does, adding the SHA-256 of every entry so that <see cref="LoadVerified"/> can detect any change to the file later.
    /// </summary>
    /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
    /// <param name="model">The fitted model or pipeline.</param>
    /// <param name="inputSchema">The schema of the data the model was fitted on.</param>
    /// <param name="filePath">Where to write the zip.</param>
    public static void SaveWithChecksum(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string filePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        File.WriteAllBytes(filePath, SaveToBytes(catalog, model, inputSchema, checksum: true));
    }

    private static byte[] SaveToBytes(ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, bool checksum)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        using var buffer = new MemoryStream();
        catalog.Save(model, inputSchema, buffer);
        ModelExtensions.AddTo(model, buffer);
        if (!checksum) return buffer.ToArray();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Update, leaveOpen: true))
        {
            var lines = zip.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal)
                .Select(e => $"{Hash(e)}  {e.FullName}").ToList();
            var entry = zip.CreateEntry(ChecksumEntryName);
            using var writer = new StreamWriter(entry.Open(), new UTF8Encoding(false));
            writer.Write("sha256 of every other entry, written by MlNetExtensions\n" + string.Join("\n", lines) + "\n");
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// Loads a model saved by ML.NET (with or without <see cref="SaveWithChecksum"/>), checking the file first and
    /// reporting, in the top-level message, what is wrong: missing, empty, not a zip or truncated, a zip that is not an
    /// ML.NET model, a checksum mismatch (any changed byte), or ML.NET's own innermost reason; then restores this library's
    /// transformers and data as <see cref="LoadWithExtensions(ModelOperationsCatalog, string, out DataViewSchema)"/> does.
    /// </summary>
    /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
    /// <param name="filePath">The zip to load.</param>
    /// <param name="inputSchema">The schema the model was saved with.</param>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">The file is not a loadable, intact ML.NET model; the message says why.</exception>
    public static ITransformer LoadVerified(this ModelOperationsCatalog catalog, string filePath, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        if (!File.Exists(filePath)) throw new FileNotFoundException($"The model file '{filePath}' does not exist.", filePath);
        byte[] bytes = File.ReadAllBytes(filePath);
        if (bytes.Length == 0)
            throw new InvalidDataException($"The model file '{filePath}' is empty (0 bytes); it is not a saved ML.NET model.");

        Verify(filePath, bytes);
        ITransformer model;
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            model = catalog.Load(stream, out inputSchema);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var innermost = e;
            while (innermost.InnerException is not null) innermost = innermost.InnerException;
            throw new InvalidDataException(
                $"The model file '{filePath}' could not be loaded by ML.NET: {innermost.Message.Trim()} " +
                "(a model saved by a component this program does not reference, or by an incompatible ML.NET version?)", e);
        }
        try
        {
            return ModelExtensions.Restore(MlNetInternals.GetEnvironment(catalog), model, bytes);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"The model file '{filePath}': {e.Message}", e);
        }
    }

    private static void Verify(string filePath, byte[] bytes)
    {
        try
        {
            VerifyEntries(filePath, bytes);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException
                                  && !e.Message.StartsWith("The model file", StringComparison.Ordinal))
        {
            // The zip reader's own complaints (bad central directory, CRC mismatch, truncated data).
            throw new InvalidDataException(
                $"The model file '{filePath}' ({bytes.Length:N0} bytes) is not a zip archive, or is truncated or corrupted: {e.Message}", e);
        }
    }

    private static void VerifyEntries(string filePath, byte[] bytes)
    {
        using var zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
        if (!zip.Entries.Any(e => e.FullName.EndsWith("Model.key", StringComparison.Ordinal)))
            throw new InvalidDataException(
                $"The model file '{filePath}' is a zip archive but not an ML.NET model: it has no Model.key entry " +
                $"(entries: {string.Join(", ", zip.Entries.Take(10).Select(e => e.FullName))}).");

        var checksums = zip.GetEntry(ChecksumEntryName);
        if (checksums is null)
        {
            // No checksum: still read every entry, so that the zip's own CRC catches damaged compressed data.
            foreach (var entry in zip.Entries) Hash(entry);
            return;
        }
        string[] lines;
        using (var reader = new StreamReader(checksums.Open())) lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var expected = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(1))
        {
            var parts = line.Split("  ", 2);
            if (parts.Length != 2 || parts[0].Length != 64 || !parts[0].All(char.IsAsciiHexDigitLower) || !expected.TryAdd(parts[1], parts[0]))
                throw new InvalidDataException($"The model file '{filePath}' is corrupted: its checksum entry '{ChecksumEntryName}' is damaged.");
        }
        var actual = zip.Entries.Where(e => e.FullName != ChecksumEntryName).ToList();
        foreach (var entry in actual)
        {
            if (!expected.TryGetValue(entry.FullName, out var hash))
                throw new InvalidDataException($"The model file '{filePath}' was changed after it was saved: entry '{entry.FullName}' was added.");
            if (Hash(entry) != hash)
                throw new InvalidDataException($"The model file '{filePath}' is corrupted: entry '{entry.FullName}' does not match the checksum written when it was saved.");
        }
        var missing = expected.Keys.Except(actual.Select(e => e.FullName)).FirstOrDefault();
        if (missing is not null)
            throw new InvalidDataException($"The model file '{filePath}' was changed after it was saved: entry '{missing}' is missing.");
    }

    private static string Hash(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
