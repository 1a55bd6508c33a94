using System.Globalization;
using Microsoft.Data.Sqlite;

namespace CodexPS.Engine.Metrics;

/// <summary>
/// The persistent side of the metrics: one SQLite file of data points, queried by time range. Only the
/// collector's background task writes to it; a locked or broken file raises CodexMetricStoreException.
/// </summary>
internal sealed class CodexMetricStore : IDisposable
{
    private const int SchemaVersion = 1;
    private readonly SqliteConnection _connection;

    private CodexMetricStore(string path, SqliteConnection connection)
    {
        Path = path;
        _connection = connection;
    }

    public string Path { get; }

    /// <summary>Opens (creating when missing) the store, checks it and drops points older than the retention (when given).</summary>
    public static CodexMetricStore Open(string path, TimeSpan? retention)
    {
        SqliteNative.EnsureResolver();
        path = System.IO.Path.GetFullPath(path);
        SqliteConnection? connection = null;
        try
        {
            var directory = System.IO.Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(directory))
            {
                PrivateFiles.CreateDirectory(directory);
            }

            // SQLite would create the file with the default mode; its -wal and -shm files copy the database's mode.
            PrivateFiles.EnsureFile(path);

            var builder = new SqliteConnectionStringBuilder
            {
                DataSource = path,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Pooling = false,

                // A store locked by another process is given up on after this long (the background task retries later).
                DefaultTimeout = 2,
            };
            connection = new SqliteConnection(builder.ToString());
            connection.Open();
            Execute(connection, "PRAGMA journal_mode=WAL;");
            var check = Scalar(connection, "PRAGMA quick_check;");
            if (!string.Equals(check, "ok", StringComparison.OrdinalIgnoreCase))
            {
                throw new CodexMetricStoreException("CodexMetricStoreCorrupt", path, $"The metric store '{path}' failed its integrity check: {check}.");
            }

            Execute(connection, """
                CREATE TABLE IF NOT EXISTS store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS metric_points (
                    ts INTEGER NOT NULL, name TEXT NOT NULL, value REAL NULL,
                    label TEXT NULL, conversation TEXT NULL, turn TEXT NULL);
                CREATE INDEX IF NOT EXISTS ix_metric_points_ts ON metric_points (ts);
                CREATE INDEX IF NOT EXISTS ix_metric_points_name_ts ON metric_points (name, ts);
                """);
            var version = Scalar(connection, "SELECT value FROM store_info WHERE key = 'schema';");
            if (version is null)
            {
                Execute(connection, $"INSERT INTO store_info (key, value) VALUES ('schema', '{SchemaVersion}');");
            }
            else if (version != SchemaVersion.ToString(CultureInfo.InvariantCulture))
            {
                throw new CodexMetricStoreException("CodexMetricStoreIncompatible", path, $"The metric store '{path}' has schema {version}; this CodexPS reads schema {SchemaVersion}.");
            }

            if (retention is { } keep)
            {
                using var prune = connection.CreateCommand();
                prune.CommandText = "DELETE FROM metric_points WHERE ts < $cutoff;";
                prune.Parameters.AddWithValue("$cutoff", DateTimeOffset.UtcNow.Subtract(keep).ToUnixTimeMilliseconds());
                prune.ExecuteNonQuery();
            }

            return new CodexMetricStore(path, connection);
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException or DllNotFoundException or TypeInitializationException)
        {
            connection?.Dispose();
            throw Describe(ex, path);
        }
        catch
        {
            connection?.Dispose();
            throw;
        }
    }

    /// <summary>Writes the points in one transaction.</summary>
    public void Append(IReadOnlyList<CodexMetricPoint> points)
    {
        if (points.Count == 0)
        {
            return;
        }

        try
        {
            using var transaction = _connection.BeginTransaction();
            using var insert = _connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO metric_points (ts, name, value, label, conversation, turn) VALUES ($ts, $name, $value, $label, $conversation, $turn);";
            var ts = insert.Parameters.Add("$ts", SqliteType.Integer);
            var name = insert.Parameters.Add("$name", SqliteType.Text);
            var value = insert.Parameters.Add("$value", SqliteType.Real);
            var label = insert.Parameters.Add("$label", SqliteType.Text);
            var conversation = insert.Parameters.Add("$conversation", SqliteType.Text);
            var turn = insert.Parameters.Add("$turn", SqliteType.Text);
            insert.Prepare();
            foreach (var point in points)
            {
                ts.Value = point.Timestamp.ToUnixTimeMilliseconds();
                name.Value = point.Name;
                value.Value = point.Value is { } v ? v : DBNull.Value;
                label.Value = (object?)point.Label ?? DBNull.Value;
                conversation.Value = (object?)point.ConversationId ?? DBNull.Value;
                turn.Value = (object?)point.TurnId ?? DBNull.Value;
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
        }
        catch (SqliteException ex)
        {
            throw Describe(ex, Path);
        }
    }

    /// <summary>The points in a time range (and of some conversations), oldest first; names are filtered by the caller.</summary>
    public List<CodexMetricPoint> Read(CodexMetricQuery query)
    {
        var result = new List<CodexMetricPoint>();
        try
        {
            using var select = _connection.CreateCommand();
            var sql = new System.Text.StringBuilder("SELECT ts, name, value, label, conversation, turn FROM metric_points WHERE ts >= $since AND ts <= $until");
            select.Parameters.AddWithValue("$since", query.Since?.ToUnixTimeMilliseconds() ?? long.MinValue);
            select.Parameters.AddWithValue("$until", query.Until?.ToUnixTimeMilliseconds() ?? long.MaxValue);
            if (query.Conversations is { Count: > 0 } conversations)
            {
                var names = new List<string>();
                var i = 0;
                foreach (var id in conversations)
                {
                    var parameter = "$c" + i.ToString(CultureInfo.InvariantCulture);
                    select.Parameters.AddWithValue(parameter, id);
                    names.Add(parameter);
                    i++;
                }

                sql.Append(" AND conversation IN (").Append(string.Join(", ", names)).Append(')');
            }

            sql.Append(" ORDER BY ts, rowid;");
            select.CommandText = sql.ToString();
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                var metric = reader.GetString(1);
                if (CodexMetricCatalog.Find(metric) is null || (query.NameFilter is { } filter && !filter(metric)))
                {
                    continue;
                }

                result.Add(new CodexMetricPoint(
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)),
                    metric,
                    reader.IsDBNull(2) ? null : reader.GetDouble(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5)));
            }
        }
        catch (SqliteException ex)
        {
            throw Describe(ex, Path);
        }

        return result;
    }

    /// <inheritdoc/>
    public void Dispose() => _connection.Dispose();

    private static CodexMetricStoreException Describe(Exception ex, string path)
    {
        if (ex is CodexMetricStoreException known)
        {
            return known;
        }

        var code = (ex as SqliteException)?.SqliteErrorCode ?? 0;
        return code switch
        {
            // SQLITE_BUSY, SQLITE_LOCKED
            5 or 6 => new CodexMetricStoreException("CodexMetricStoreLocked", path, $"The metric store '{path}' is locked by another process: {ex.Message}", ex),

            // SQLITE_CORRUPT, SQLITE_NOTADB
            11 or 26 => new CodexMetricStoreException("CodexMetricStoreCorrupt", path, $"The metric store '{path}' is not a usable SQLite database: {ex.Message}", ex),
            _ => new CodexMetricStoreException("CodexMetricStoreUnavailable", path, $"The metric store '{path}' cannot be used: {ex.Message}", ex),
        };
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static string? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture) is { Length: > 0 } text ? text : null;
    }
}
