import { SignInForm } from './sign-in-form'

export default function SignInPage() {
  return (
    <section className="card narrow">
      <h1>Staff sign-in</h1>
      <p>Sign in with your name and work email. Access to a customer's details is approved in OpenIndent.</p>
      <SignInForm />
    </section>
  )
}
