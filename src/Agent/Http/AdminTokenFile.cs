using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Fnagent.Http;

/// <summary>
/// The admin token the agent makes for itself, kept in <c>&lt;data&gt;/admin-token</c>
/// (<see cref="AdminAuth"/> checks it when no <c>AdminToken</c> is set).
/// </summary>
/// <remarks>
/// <see cref="Ensure"/>, once at start:
/// 1. When the file is missing, it is created with a new token (32 random bytes, base64url
///    without padding) and mode 0600 from the moment it exists (created so, never chmod-ed
///    after), and one line says where it is.
/// 2. When it already exists with any group or other permission bit, a warning says so.
/// 3. Its content, trimmed, is the token: at most <see cref="MaxFileBytes"/> bytes read.
/// A file that cannot be made or read, or holds no usable token, stops the start with a
/// settings problem naming the file. Neither the token nor any part of it is ever logged.
/// </remarks>
internal static class AdminTokenFile
{
    public const string FileName = "admin-token";

    private const int MaxFileBytes = 4096;

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>The file's full path for a data folder.</summary>
    public static string PathIn(string dataDirectory) => Path.GetFullPath(Path.Combine(dataDirectory, FileName));

    /// <summary>The token of the file at <paramref name="path"/>, made first when missing (see the remarks).</summary>
    public static string Ensure(string path, ILogger logger)
    {
        try
        {
            // Step 1: CreateNew, so an agent starting beside this one never has its file overwritten.
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (TryCreate(path))
            {
                logger.AdminTokenCreated(path);
            }
            else if ((File.GetUnixFileMode(path) & GroupOrOther) != 0)
            {
                // Step 2.
                logger.AdminTokenFileOpenToOthers(path, Convert.ToString((int)File.GetUnixFileMode(path), 8));
            }

            // Step 3.
            var token = Read(path);
            if (!AdminAuth.IsUsableToken(token))
            {
                throw Problem($"{path} holds no usable admin token (at least {AdminAuth.MinimumTokenLength} printable ASCII characters, no spaces); delete it and the agent makes a new one at start");
            }

            return token;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Problem($"cannot make or read the admin token file {path}: {e.Message}");
        }
    }

    /// <summary>A start refused as a bad setting would refuse it (Hosting.SettingsProblem prints it).</summary>
    public static OptionsValidationException Problem(string message, string setting = nameof(AgentOptions.DataDirectory)) =>
        new(Options.DefaultName, typeof(AgentOptions), [string.Create(CultureInfo.InvariantCulture, $"setting {setting}: {message}")]);

    private static bool TryCreate(string path)
    {
        FileStream file;
        try
        {
            file = File.Open(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = OwnerOnly,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }

        using (file)
        {
            file.Write(Encoding.ASCII.GetBytes(Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)) + "\n"));
            file.Flush(flushToDisk: true);
        }

        return true;
    }

    private static string Read(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read);
        var buffer = new byte[MaxFileBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = file.Read(buffer, length, buffer.Length - length)) > 0)
        {
            length += read;
        }

        if (length > MaxFileBytes)
        {
            throw Problem(string.Create(CultureInfo.InvariantCulture, $"{path} is larger than {MaxFileBytes} bytes: it is not an admin token file; delete it and the agent makes a new one at start"));
        }

        return Encoding.UTF8.GetString(buffer, 0, length).Trim();
    }
}
