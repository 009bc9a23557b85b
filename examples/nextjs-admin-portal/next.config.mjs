/** @type {import('next').NextConfig} */
const nextConfig = {
  // The SDK reads INDENT_API_URL and friends at run time: keep it out of the bundle, as installed.
  serverExternalPackages: ['@openindent/api', '@openindent/approvals'],
}

export default nextConfig
