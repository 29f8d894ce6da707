package org.spiffelab.sds.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.spiffelab.sds.secrets.Aliases;

/**
 * sds-agent's settings, validated (see {@link AgentConfigLoader} for where they come from).
 *
 * @param workloadApiSocket           the SPIFFE Workload API, {@code unix:/path}
 * @param sdsSocket                   where Envoy connects (a Unix socket path)
 * @param sdsSocketMode               permissions of that socket, e.g. rw-rw---- (never world-writable)
 * @param tcpAddress                  optional host:port for development, or null
 * @param disableSpiffeCertValidation serve validation contexts as trusted_ca instead of the SPIFFE validator
 * @param authzMode                   ext_authz: none, inject (forward proxy) or validate (reverse proxy)
 * @param jwtAudience                 inject: the audience to ask for; validate: the audience tokens must carry
 * @param jwtAllowedSubjects          validate: the SPIFFE IDs allowed through
 * @param allowedUids                 callers of the Unix socket allowed by uid (with allowedGids empty: no check)
 * @param allowedGids                 callers allowed by gid
 */
public record AgentConfig(String workloadApiSocket, Path sdsSocket, Set<java.nio.file.attribute.PosixFilePermission> sdsSocketMode,
                          String tcpAddress, Aliases aliases, boolean disableSpiffeCertValidation, String logLevel,
                          Duration svidTimeout, org.spiffelab.sds.authz.AuthzMode authzMode, String jwtAudience,
                          Set<String> jwtAllowedSubjects, Set<Integer> allowedUids, Set<Integer> allowedGids) {
}
