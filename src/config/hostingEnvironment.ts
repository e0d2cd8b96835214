/**
 * Variables App Service and Azure Functions set on every instance in Azure, on every plan (Flex Consumption too), and
 * that neither Core Tools (`func start`, which sets only WEBSITE_HOSTNAME) nor the local runtime sets.
 */
export const azureHostVariables = ['WEBSITE_SITE_NAME', 'WEBSITE_INSTANCE_ID'] as const;

/** The variable that shows this process runs in Azure, or undefined when it runs locally. */
export function azureHostVariable(env: Record<string, string | undefined>): string | undefined {
    return azureHostVariables.find((name) => (env[name] ?? '').trim() !== '');
}
