namespace TalosSeccomp.Talos;

/// <summary>
/// Session-wide cache of open connections to Talos endpoints, keyed by (endpoint set, credentials), so
/// every cmdlet call in a session reuses one TLS connection per endpoint set.
/// </summary>
public static class TalosConnectionPool
{
    private static readonly Dictionary<string, TalosConnection> ByIdentity = new(StringComparer.Ordinal);

    /// <summary>
    /// Returns the pooled connection for <paramref name="settings"/> (same endpoints and credentials ⇒ same
    /// connection), opening one on first use. Connecting itself happens on the first call.
    /// </summary>
    public static TalosConnection Get(TalosConnectionSettings settings)
    {
        lock (ByIdentity)
        {
            if (!ByIdentity.TryGetValue(settings.IdentityKey, out var connection))
            {
                connection = new TalosConnection(settings);
                ByIdentity[settings.IdentityKey] = connection;
            }

            return connection;
        }
    }

    /// <summary>A <see cref="TalosClient"/> over the pooled connection for <paramref name="settings"/>.</summary>
    /// <param name="settings">Where to connect and with which credentials.</param>
    /// <param name="timeout">Deadline of each unary call and finite stream; null for <see cref="TalosClient.DefaultTimeout"/>.</param>
    public static TalosClient GetClient(TalosConnectionSettings settings, TimeSpan? timeout = null) => new(Get(settings), timeout);

    /// <summary>Closes the pooled connection for <paramref name="settings"/>, if one is open (Disconnect-Talos); the
    /// next call with the same settings opens a new one.</summary>
    /// <returns>True when a connection was closed.</returns>
    public static bool Close(TalosConnectionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        TalosConnection? connection;
        lock (ByIdentity)
        {
            if (ByIdentity.Remove(settings.IdentityKey, out connection) is false)
            {
                return false;
            }
        }

        connection.Dispose();
        return true;
    }

    /// <summary>Closes every pooled connection. Called when the module is removed.</summary>
    public static void CloseAll()
    {
        TalosConnection[] toClose;
        lock (ByIdentity)
        {
            toClose = ByIdentity.Values.ToArray();
            ByIdentity.Clear();
        }

        foreach (var item in toClose)
        {
            item.Dispose();
        }
    }
}
