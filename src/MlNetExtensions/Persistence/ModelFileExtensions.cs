using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Microsoft.ML;

namespace MlNetExtensions;

/// <summary>
/// Saving and loading ML.NET model zips with a checksum and with errors that say at the top level what is wrong.
/// ML.NET's own <c>Model.Load</c> reports a broken file 3–6 exceptions deep and loads a file with a flipped weight bit
/// silently; these two methods close both gaps. The files stay ordinary ML.NET models: the checksum is one extra zip
/// entry that <c>Model.Load</c> ignores.
/// </summary>
public static class ModelFileExtensions
{
    /// <summary>The zip entry holding the checksums; ML.NET ignores it.</summary>
    public const string ChecksumEntryName = "MlNetExtensions/Checksums.txt";

    /// <summary>
    /// Saves <paramref name="model"/> like <c>Model.Save</c>, adding the SHA-256 of every entry so that
    /// <see cref="LoadVerified"/> can detect any change to the file later.
    /// </summary>
    /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
    /// <param name="model">The fitted model or pipeline.</param>
    /// <param name="inputSchema">The schema of the data the model was fitted on.</param>
    /// <param name="filePath">Where to write the zip.</param>
    public static void SaveWithChecksum(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string filePath)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        using var buffer = new MemoryStream();
        catalog.Save(model, inputSchema, buffer);
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Update, leaveOpen: true))
        {
            var lines = zip.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal)
                .Select(e => $"{Hash(e)}  {e.FullName}").ToList();
            var entry = zip.CreateEntry(ChecksumEntryName);
            using var writer = new StreamWriter(entry.Open(), new UTF8Encoding(false));
            writer.Write("sha256 of every other entry, written by MlNetExtensions\n" + string.Join("\n", lines) + "\n");
        }
        File.WriteAllBytes(filePath, buffer.ToArray());
    }

    /// <summary>
    /// Loads a model saved by ML.NET (with or without <see cref="SaveWithChecksum"/>), checking the file first and
    /// reporting, in the top-level message, what is wrong: missing, empty, not a zip or truncated, a zip that is not an
    /// ML.NET model, a checksum mismatch (any changed byte), or ML.NET's own innermost reason.
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
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            return catalog.Load(stream, out inputSchema);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var innermost = e;
            while (innermost.InnerException is not null) innermost = innermost.InnerException;
            throw new InvalidDataException(
                $"The model file '{filePath}' could not be loaded by ML.NET: {innermost.Message.Trim()} " +
                "(a model saved by a component this program does not reference, or by an incompatible ML.NET version?)", e);
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
